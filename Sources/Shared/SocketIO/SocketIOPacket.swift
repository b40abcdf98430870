/// A decoded Socket.IO text packet: `<type>[<namespace>,][<ack id>][<JSON>]`, the format of
/// socket.io-parser 3.x (protocol revision 4) and 4.x (v5) alike.
public struct SocketIOPacket: Sendable, Equatable {
    public var type: SocketIOPacketType
    /// `/` unless the packet names one (`2/chat,[…]`). Kept as sent, query string included if any.
    public var namespace: String
    public var ackId: Int?
    /// The parsed JSON data; nil when the packet has none.
    public var data: JSONValue?
    /// Where `data` was in the decoded bytes, for callers that forward the raw JSON.
    public var dataRange: Range<Int>?

    public init(type: SocketIOPacketType, namespace: String = "/", ackId: Int? = nil, data: JSONValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.ackId = ackId
        self.data = data
        self.dataRange = nil
    }

    /// The event name of an `.event` (checked to be a string at decoding).
    public var eventName: String? {
        guard type == .event, case .array(let a)? = data, let first = a.first else { return nil }
        return first.stringValue
    }

    /// The event's arguments after its name, or an ack's arguments; empty for other types.
    public var arguments: [JSONValue] {
        guard case .array(let a)? = data else { return [] }
        switch type {
        case .event: return Array(a.dropFirst())
        case .ack: return a
        default: return []
        }
    }

    /// Decodes the text after the Engine.IO `4`. Events must carry an array whose first element is a
    /// string name; acks an array; connects nothing or an object; disconnects nothing.
    public static func decode(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = JSONParser.defaultMaxDepth) throws(SocketIOError) -> SocketIOPacket {
        let n = bytes.count
        guard n > 0 else { throw .emptyPacket }
        guard let type = SocketIOPacketType(ascii: bytes[0]) else { throw .unknownPacketType(bytes[0]) }
        if type == .binaryEvent || type == .binaryAck { throw .binaryNotSupported }
        var packet = SocketIOPacket(type: type)
        var i = 1

        if i < n && bytes[i] == UInt8(ascii: "/") {
            let start = i
            while i < n && bytes[i] != UInt8(ascii: ",") { i += 1 }
            let name = UnsafeRawBufferPointer(rebasing: bytes[start..<i])
            guard UTF8Validation.isValid(name) else { throw .invalidNamespace }
            packet.namespace = String(decoding: name, as: UTF8.self)
            if i < n { i += 1 }  // the comma
        }

        if i < n && bytes[i] &- UInt8(ascii: "0") < 10 {
            let start = i
            var id = 0
            while i < n, case let d = bytes[i] &- UInt8(ascii: "0"), d < 10 {
                // 15 digits stay exact in a JavaScript number, which is what the client counts with.
                guard i - start < 15 else { throw .invalidAckId }
                id = id * 10 + Int(d)
                i += 1
            }
            packet.ackId = id
            if i < n && bytes[i] != UInt8(ascii: "[") { throw .garbageAfterAckId }
        }

        if i < n {
            do throws(JSONError) {
                packet.data = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[i..<n]), maxDepth: maxDepth)
            } catch {
                throw .invalidJSON(error)
            }
            packet.dataRange = i..<n
        }

        try packet.validatePayload()
        return packet
    }

    public static func decode(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth) throws(SocketIOError) -> SocketIOPacket {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(SocketIOError) in try decode(raw, maxDepth: maxDepth) } }
        return try result.get()
    }

    public static func decode(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(SocketIOError) -> SocketIOPacket {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(SocketIOError) in try decode(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// The rules of socket.io-parser 4's `isPayloadValid`, minus its reserved-name check.
    private func validatePayload() throws(SocketIOError) {
        switch type {
        case .connect:
            if let data, data.objectValue == nil { throw .invalidPayload(type) }
        case .disconnect:
            if data != nil { throw .invalidPayload(type) }
        case .event:
            guard case .array(let a)? = data else { throw .eventDataNotArray }
            guard let first = a.first else { throw .eventArrayEmpty }
            guard case .string = first else { throw .eventNameNotString }
        case .ack:
            guard case .array? = data else { throw .invalidPayload(type) }
        case .connectError:
            if let data, data.objectValue == nil && data.stringValue == nil { throw .invalidPayload(type) }
        case .binaryEvent, .binaryAck:
            throw .binaryNotSupported
        }
    }
}
