/// What `WebSocketFrameDecoder.decodeHeader` found at the start of the buffer.
public enum WebSocketFrameDecoding: Hashable, Sendable {
    /// The header is not complete yet: come back with at least this many bytes in total.
    case needMore(minimumTotalBytes: Int)
    case header(WebSocketFrameHeader)
    /// The peer broke the protocol: close with this code.
    case invalid(WebSocketCloseCode, reason: String)
}

/// Parses frame headers straight out of the caller's receive buffer. Only the header: the caller
/// waits for `header.frameLength` bytes, unmasks the payload in place and hands it on.
public enum WebSocketFrameDecoder {
    /// `expectMasked` is true on the server (clients must mask, section 5.1) and false on a client
    /// (servers must not). Every rule that the first bytes can already break is checked as soon as
    /// they are there, so a bad frame fails before the rest of its header arrives.
    public static func decodeHeader(_ bytes: UnsafeRawBufferPointer, expectMasked: Bool = true) -> WebSocketFrameDecoding {
        let count = bytes.count
        guard count > 0 else { return .needMore(minimumTotalBytes: 2) }

        let b0 = bytes[0]
        let fin = b0 & 0x80 != 0
        // No extension is ever negotiated, so every RSV bit is a protocol error.
        guard b0 & 0x70 == 0 else { return .invalid(.protocolError, reason: "reserved bits set") }
        guard let opcode = WebSocketOpcode(rawValue: b0 & 0x0F) else {
            return .invalid(.protocolError, reason: "reserved opcode")
        }
        if opcode.isControl && !fin { return .invalid(.protocolError, reason: "fragmented control frame") }
        guard count > 1 else { return .needMore(minimumTotalBytes: 2) }

        let b1 = bytes[1]
        let masked = b1 & 0x80 != 0
        if masked != expectMasked {
            return .invalid(.protocolError, reason: expectMasked ? "unmasked client frame" : "masked server frame")
        }
        let length7 = Int(b1 & 0x7F)
        if opcode.isControl && length7 > 125 { return .invalid(.protocolError, reason: "control frame too long") }

        let lengthBytes = length7 == 127 ? 8 : (length7 == 126 ? 2 : 0)
        let maskOffset = 2 + lengthBytes
        let headerLength = maskOffset + (masked ? 4 : 0)
        guard count >= headerLength else { return .needMore(minimumTotalBytes: headerLength) }

        let payloadLength: Int
        switch lengthBytes {
        case 0:
            payloadLength = length7
        case 2:
            payloadLength = Int(UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
        default:
            let length = UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt64.self))
            guard length & (1 << 63) == 0 else { return .invalid(.protocolError, reason: "payload length has the top bit set") }
            // Only reachable where Int is 32 bits.
            guard let exact = Int(exactly: length) else { return .invalid(.messageTooBig, reason: "payload length too large") }
            payloadLength = exact
        }
        // Non-minimal length encodings are legal on the wire (RFC 6455 only says "should"), so
        // they are accepted, as node's ws and Autobahn expect.

        let maskKey = masked ? UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: maskOffset, as: UInt32.self)) : 0
        return .header(WebSocketFrameHeader(fin: fin, opcode: opcode, masked: masked, maskKey: maskKey,
                                            payloadLength: payloadLength, headerLength: headerLength))
    }
}
