/// The frame opcodes RFC 6455 defines (section 5.2). The reserved values 3–7 and 11–15 have no
/// case: the decoder rejects them, so a decoded header always carries one of these.
public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames (close, ping, pong) have the high opcode bit set; they must be final and
    /// carry at most 125 bytes, and may arrive between the fragments of a data message.
    public var isControl: Bool { rawValue & 0x8 != 0 }
}
