/// One text Engine.IO packet: a type digit followed by UTF-8 data
/// (`4` + a Socket.IO packet, `2probe`, `3`, `6`…).
public struct EngineIOPacket: Sendable, Equatable {
    public var type: EngineIOPacketType
    /// The UTF-8 bytes after the type digit.
    public var data: [UInt8]

    public init(_ type: EngineIOPacketType, data: [UInt8] = []) {
        self.type = type
        self.data = data
    }

    public init(_ type: EngineIOPacketType, text: String) {
        self.type = type
        self.data = Array(text.utf8)
    }

    public var text: String { String(decoding: data, as: UTF8.self) }

    /// The answer to a ping: same data, so `2probe` is answered `3probe`.
    public static func pong(answering ping: EngineIOPacket) -> EngineIOPacket {
        EngineIOPacket(.pong, data: ping.data)
    }

    /// Decodes a WebSocket text frame or one packet cut out of a polling payload.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(EngineIOError) -> EngineIOPacket {
        if let bad = bytes.baseAddress.flatMap({
            UTF8Validation.firstInvalidOffset($0.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        }) {
            throw .invalidUTF8(offset: bad)
        }
        return try decodeValidated(bytes)
    }

    public static func decode(_ bytes: [UInt8]) throws(EngineIOError) -> EngineIOPacket {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(EngineIOError) in try decode(raw) } }
        return try result.get()
    }

    public static func decode(_ text: String) throws(EngineIOError) -> EngineIOPacket {
        var text = text
        let result = text.withUTF8 { utf8 in Result { () throws(EngineIOError) in try decodeValidated(UnsafeRawBufferPointer(utf8)) } }
        return try result.get()
    }

    /// For bytes already known to be valid UTF-8.
    static func decodeValidated(_ bytes: UnsafeRawBufferPointer) throws(EngineIOError) -> EngineIOPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        if first == UInt8(ascii: "b") { throw .binaryNotSupported }
        guard let type = EngineIOPacketType(ascii: first) else { throw .unknownPacketType(first) }
        return EngineIOPacket(type, data: Array(UnsafeRawBufferPointer(rebasing: bytes[1...])))
    }

    public func encode() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 1)
        encode(into: &out)
        return out
    }

    public func encode(into out: inout [UInt8]) {
        out.append(type.ascii)
        out.append(contentsOf: data)
    }
}
