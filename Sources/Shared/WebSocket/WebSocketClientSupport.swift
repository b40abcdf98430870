/// Mask keys for frames a client sends (RFC 6455 section 5.3: fresh and unpredictable per frame).
/// Each draw from the generator yields two keys, halving the system calls of the default
/// `SystemRandomNumberGenerator`.
public struct WebSocketMaskKeySource<Generator: RandomNumberGenerator> {
    private var generator: Generator
    private var spare: UInt32?

    public init(generator: Generator) { self.generator = generator }

    public mutating func next() -> UInt32 {
        if let key = spare {
            spare = nil
            return key
        }
        let bits = generator.next()
        spare = UInt32(truncatingIfNeeded: bits >> 32)
        return UInt32(truncatingIfNeeded: bits)
    }
}

extension WebSocketMaskKeySource where Generator == SystemRandomNumberGenerator {
    public init() { self.init(generator: SystemRandomNumberGenerator()) }
}

extension WebSocketHandshake {
    /// A fresh Sec-WebSocket-Key: 16 random bytes, base64.
    public static func generateClientKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return generateClientKey(using: &generator)
    }

    public static func generateClientKey<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return Base64.encode(bytes)
    }

    /// A client's upgrade request head for `path` on `host`, ending with the blank line.
    public static func clientRequest(host: String, path: String, key: String) -> [UInt8] {
        Array(("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: \(supportedVersion)\r\n\r\n").utf8)
    }
}
