import Glibc

/// A client's IP address as the per-address connection count keys it: 16 bytes, IPv4 mapped into
/// IPv6 (::ffff:a.b.c.d), so that one client reaching a dual-stack listener both ways counts once.
public struct ClientAddress: Equatable, Sendable, CustomStringConvertible {
    public private(set) var bytes: [UInt8]

    public init?(_ address: SocketAddress) {
        switch address.family {
        case AF_INET, AF_INET6:
            guard let parsed = ClientAddress(numeric: address.host) else { return nil }
            self = parsed
        default:
            return nil
        }
    }

    /// From a numeric IPv4 or IPv6 address; nil for anything else.
    public init?(numeric text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = [UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]
            withUnsafeBytes(of: &v4) { bytes.append(contentsOf: $0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// 127.0.0.1 and ::1: where a reverse proxy on the same machine connects from, so every client
    /// behind it looks like this one address (see README, "Limits").
    public var isProxyLoopback: Bool {
        bytes == ClientAddress.loopback4.bytes || bytes == ClientAddress.loopback6.bytes
    }

    static let loopback4 = ClientAddress(numeric: "127.0.0.1")!
    static let loopback6 = ClientAddress(numeric: "::1")!

    public var description: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if bytes[0..<12].elementsEqual([UInt8](repeating: 0, count: 10) + [0xFF, 0xFF]) {
            var v4 = in_addr()
            withUnsafeMutableBytes(of: &v4) { $0.copyBytes(from: bytes[12...]) }
            _ = inet_ntop(AF_INET, &v4, &text, socklen_t(text.count))
        } else {
            var v6 = in6_addr()
            withUnsafeMutableBytes(of: &v6) { $0.copyBytes(from: bytes) }
            _ = inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count))
        }
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
