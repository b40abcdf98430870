/// Why an Engine.IO packet or polling payload was refused. Offsets are byte offsets into the input.
public enum EngineIOError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPacket
    case unknownPacketType(UInt8)
    /// `b…` base64 packets (and binary frames): this server only speaks text, so callers reject them.
    case binaryNotSupported
    case invalidUTF8(offset: Int)
    case emptyPayload
    /// An EIO3 length prefix that is empty, has a non-digit, or is absurdly long.
    case invalidLength(offset: Int)
    /// EIO3: digits run to the end of the payload with no `:` after them.
    case missingColon(offset: Int)
    /// EIO3: the payload ends before the announced number of UTF-16 units.
    case lengthPastEnd(offset: Int)
    /// EIO3: the announced length ends between the two UTF-16 units of one character.
    case lengthSplitsCharacter(offset: Int)
    case tooManyPackets(limit: Int)

    public var description: String {
        switch self {
        case .emptyPacket: return "empty Engine.IO packet"
        case .unknownPacketType(let b): return "unknown Engine.IO packet type byte 0x" + String(b, radix: 16)
        case .binaryNotSupported: return "binary Engine.IO packets are not supported"
        case .invalidUTF8(let at): return "invalid UTF-8 at byte \(at)"
        case .emptyPayload: return "empty polling payload"
        case .invalidLength(let at): return "invalid packet length at byte \(at)"
        case .missingColon(let at): return "packet length without ':' at byte \(at)"
        case .lengthPastEnd(let at): return "packet length runs past the end of the payload (packet at byte \(at))"
        case .lengthSplitsCharacter(let at): return "packet length ends inside a character at byte \(at)"
        case .tooManyPackets(let limit): return "more than \(limit) packets in one payload"
        }
    }
}
