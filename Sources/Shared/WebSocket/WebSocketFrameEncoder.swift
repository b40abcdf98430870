/// Builds frames. Servers send unmasked frames (`maskKey: nil`); clients must mask every frame.
///
/// For fan-out, write the header once with `writeHeader` in front of the payload in an outgoing
/// buffer and send the same bytes to every recipient; `encodeFrame` is the one-array convenience.
public enum WebSocketFrameEncoder {
    public static let maxControlPayload = 125

    /// 2, 4 or 10 bytes, plus 4 when masked.
    public static func headerLength(payloadLength: Int, masked: Bool) -> Int {
        let base = payloadLength <= 125 ? 2 : (payloadLength <= 0xFFFF ? 4 : 10)
        return masked ? base + 4 : base
    }

    /// Writes a frame header at the start of `buffer`, which must hold `headerLength(...)` bytes,
    /// and returns the number of bytes written. Lengths use the shortest encoding.
    @discardableResult
    public static func writeHeader(into buffer: UnsafeMutableRawBufferPointer, fin: Bool = true,
                                   opcode: WebSocketOpcode, payloadLength: Int, maskKey: UInt32? = nil) -> Int {
        precondition(payloadLength >= 0, "negative payload length")
        precondition(!opcode.isControl || (fin && payloadLength <= maxControlPayload), "invalid control frame")
        let length = headerLength(payloadLength: payloadLength, masked: maskKey != nil)
        precondition(buffer.count >= length, "buffer too small for the frame header")
        let base = buffer.baseAddress!

        base.storeBytes(of: (fin ? 0x80 : 0) | opcode.rawValue, as: UInt8.self)
        let maskBit: UInt8 = maskKey != nil ? 0x80 : 0
        var offset: Int
        if payloadLength <= 125 {
            base.storeBytes(of: maskBit | UInt8(payloadLength), toByteOffset: 1, as: UInt8.self)
            offset = 2
        } else if payloadLength <= 0xFFFF {
            base.storeBytes(of: maskBit | 126, toByteOffset: 1, as: UInt8.self)
            base.storeBytes(of: UInt16(payloadLength).bigEndian, toByteOffset: 2, as: UInt16.self)
            offset = 4
        } else {
            base.storeBytes(of: maskBit | 127, toByteOffset: 1, as: UInt8.self)
            base.storeBytes(of: UInt64(payloadLength).bigEndian, toByteOffset: 2, as: UInt64.self)
            offset = 10
        }
        if let maskKey {
            base.storeBytes(of: maskKey.bigEndian, toByteOffset: offset, as: UInt32.self)
            offset += 4
        }
        return offset
    }

    /// Header and payload in one array (one allocation); masked when `maskKey` is given.
    public static func encodeFrame(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer,
                                   fin: Bool = true, maskKey: UInt32? = nil) -> [UInt8] {
        let header = headerLength(payloadLength: payload.count, masked: maskKey != nil)
        return [UInt8](unsafeUninitializedCapacity: header + payload.count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            writeHeader(into: raw, fin: fin, opcode: opcode, payloadLength: payload.count, maskKey: maskKey)
            let body = UnsafeMutableRawBufferPointer(rebasing: raw[header...])
            body.copyMemory(from: payload)
            if let maskKey { WebSocketMasking.mask(body, key: maskKey) }
            initialized = header + payload.count
        }
    }

    public static func encodeFrame(opcode: WebSocketOpcode, payload: [UInt8],
                                   fin: Bool = true, maskKey: UInt32? = nil) -> [UInt8] {
        payload.withUnsafeBytes { encodeFrame(opcode: opcode, payload: $0, fin: fin, maskKey: maskKey) }
    }

    /// A text frame with the string's UTF-8 bytes.
    public static func encodeText(_ text: String, fin: Bool = true, maskKey: UInt32? = nil) -> [UInt8] {
        var text = text
        return text.withUTF8 { encodeFrame(opcode: .text, payload: UnsafeRawBufferPointer($0), fin: fin, maskKey: maskKey) }
    }

    /// A close frame. `code: nil` sends an empty body (the reason is then dropped, as the RFC
    /// allows a reason only after a code). The reason is cut to fit the 125-byte control limit
    /// on a character boundary, so the frame stays valid UTF-8. Never send 1005, 1006 or 1015.
    public static func encodeClose(code: WebSocketCloseCode?, reason: String = "", maskKey: UInt32? = nil) -> [UInt8] {
        guard let code else { return encodeFrame(opcode: .close, payload: [UInt8](), maskKey: maskKey) }
        assert(code.isValidOnWire, "close code \(code) must not be sent")
        var payload: [UInt8] = [UInt8(truncatingIfNeeded: code.rawValue >> 8), UInt8(truncatingIfNeeded: code.rawValue)]
        let utf8 = Array(reason.utf8)
        var end = min(utf8.count, maxControlPayload - 2)
        // Back off over continuation bytes (10xxxxxx) to the start of the cut character.
        if end < utf8.count {
            while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
        }
        payload.append(contentsOf: utf8[..<end])
        return encodeFrame(opcode: .close, payload: payload, maskKey: maskKey)
    }
}
