/// A decoded frame header (RFC 6455 section 5.2). The payload follows at `headerLength`.
public struct WebSocketFrameHeader: Hashable, Sendable {
    public var fin: Bool
    public var rsv1: Bool
    public var rsv2: Bool
    public var rsv3: Bool
    public var opcode: WebSocketOpcode
    public var masked: Bool
    /// The four mask bytes read as a big-endian number: the first byte on the wire is the most
    /// significant. 0 when the frame is not masked.
    public var maskKey: UInt32
    /// As declared by the peer; may be far larger than anything buffered, so check limits
    /// (`WebSocketMessageAssembler.exceedsLimit`) before allocating or waiting for it.
    public var payloadLength: Int
    /// 2 to 14 bytes.
    public var headerLength: Int

    public init(fin: Bool = true, rsv1: Bool = false, rsv2: Bool = false, rsv3: Bool = false,
                opcode: WebSocketOpcode, masked: Bool = false, maskKey: UInt32 = 0,
                payloadLength: Int, headerLength: Int) {
        self.fin = fin
        self.rsv1 = rsv1
        self.rsv2 = rsv2
        self.rsv3 = rsv3
        self.opcode = opcode
        self.masked = masked
        self.maskKey = maskKey
        self.payloadLength = payloadLength
        self.headerLength = headerLength
    }

    /// Header plus payload, saturating at `Int.max` so that a hostile 2^63-1 length cannot trap.
    public var frameLength: Int {
        let (sum, overflow) = headerLength.addingReportingOverflow(payloadLength)
        return overflow ? Int.max : sum
    }
}
