/// Why a Socket.IO packet was refused.
public enum SocketIOError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPacket
    case unknownPacketType(UInt8)
    /// Types 5 and 6 need binary attachments, which this server does not accept.
    case binaryNotSupported
    case invalidNamespace
    /// Too many digits to be an ack id.
    case invalidAckId
    /// Something other than the JSON array after an ack id (`21x…`).
    case garbageAfterAckId
    case invalidJSON(JSONError)
    /// JSON data of a kind the packet type does not allow (a disconnect with data, a connect with
    /// a non-object, an ack with a non-array).
    case invalidPayload(SocketIOPacketType)
    case eventDataNotArray
    case eventArrayEmpty
    case eventNameNotString

    public var description: String {
        switch self {
        case .emptyPacket: return "empty Socket.IO packet"
        case .unknownPacketType(let b): return "unknown Socket.IO packet type byte 0x" + String(b, radix: 16)
        case .binaryNotSupported: return "binary Socket.IO packets are not supported"
        case .invalidNamespace: return "invalid namespace"
        case .invalidAckId: return "invalid ack id"
        case .garbageAfterAckId: return "unexpected data after the ack id"
        case .invalidJSON(let e): return "invalid JSON data: \(e)"
        case .invalidPayload(let type): return "payload not allowed for packet type \(type)"
        case .eventDataNotArray: return "event data is not an array"
        case .eventArrayEmpty: return "event array is empty"
        case .eventNameNotString: return "event name is not a string"
        }
    }
}
