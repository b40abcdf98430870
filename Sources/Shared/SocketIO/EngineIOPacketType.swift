/// The first character of every Engine.IO packet.
public enum EngineIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    case open = 0
    case close = 1
    case ping = 2
    case pong = 3
    case message = 4
    case upgrade = 5
    case noop = 6

    /// From the ASCII digit on the wire.
    @inline(__always)
    public init?(ascii: UInt8) {
        self.init(rawValue: ascii &- UInt8(ascii: "0"))
    }

    /// The ASCII digit written on the wire.
    @inline(__always)
    public var ascii: UInt8 { rawValue + UInt8(ascii: "0") }
}
