/// The first character of a Socket.IO packet (the second of an Engine.IO message).
public enum SocketIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    case connect = 0
    case disconnect = 1
    case event = 2
    case ack = 3
    /// `ERROR` in protocol revision 4, `CONNECT_ERROR` in v5; same digit.
    case connectError = 4
    case binaryEvent = 5
    case binaryAck = 6

    @inline(__always)
    public init?(ascii: UInt8) {
        self.init(rawValue: ascii &- UInt8(ascii: "0"))
    }

    @inline(__always)
    public var ascii: UInt8 { rawValue + UInt8(ascii: "0") }
}
