import Testing
import Shared

private func writtenHeader(fin: Bool = true, opcode: WebSocketOpcode, payloadLength: Int, maskKey: UInt32? = nil) -> [UInt8] {
    var buffer = [UInt8](repeating: 0xEE, count: 16)
    let written = buffer.withUnsafeMutableBytes {
        WebSocketFrameEncoder.writeHeader(into: $0, fin: fin, opcode: opcode, payloadLength: payloadLength, maskKey: maskKey)
    }
    #expect(buffer[written...].allSatisfy { $0 == 0xEE }, "wrote past the returned length")
    return Array(buffer[..<written])
}

/// Byte-at-a-time masking, the definition in RFC 6455 section 5.3, as the reference.
private func referenceMask(_ bytes: [UInt8], key: UInt32, startOffset: Int = 0) -> [UInt8] {
    let keyBytes = [UInt8(key >> 24), UInt8(key >> 16 & 0xFF), UInt8(key >> 8 & 0xFF), UInt8(key & 0xFF)]
    return bytes.enumerated().map { $0.element ^ keyBytes[($0.offset + startOffset) % 4] }
}

private func sample(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

private func decodedHeader(_ frame: [UInt8], expectMasked: Bool) -> WebSocketFrameHeader? {
    let decoding = frame.withUnsafeBytes { WebSocketFrameDecoder.decodeHeader($0, expectMasked: expectMasked) }
    if case .header(let header) = decoding { return header }
    return nil
}

@Suite struct WebSocketFrameEncoderTests {
    @Test func headerLengths() {
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 0, masked: false) == 2)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 125, masked: false) == 2)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 126, masked: false) == 4)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 65535, masked: false) == 4)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 65536, masked: false) == 10)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 1 << 40, masked: false) == 10)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 0, masked: true) == 6)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 126, masked: true) == 8)
        #expect(WebSocketFrameEncoder.headerLength(payloadLength: 65536, masked: true) == 14)
    }

    @Test func headersInEveryLengthForm() {
        #expect(writtenHeader(opcode: .text, payloadLength: 0) == [0x81, 0x00])
        #expect(writtenHeader(opcode: .binary, payloadLength: 125) == [0x82, 0x7D])
        #expect(writtenHeader(opcode: .binary, payloadLength: 126) == [0x82, 0x7E, 0x00, 0x7E])
        #expect(writtenHeader(opcode: .binary, payloadLength: 65535) == [0x82, 0x7E, 0xFF, 0xFF])
        #expect(writtenHeader(opcode: .binary, payloadLength: 65536) == [0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
        #expect(writtenHeader(opcode: .binary, payloadLength: 0x01_0203_0405) == [0x82, 0x7F, 0, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05])
        #expect(writtenHeader(fin: false, opcode: .text, payloadLength: 3) == [0x01, 0x03])
        #expect(writtenHeader(fin: false, opcode: .continuation, payloadLength: 3) == [0x00, 0x03])
        #expect(writtenHeader(opcode: .continuation, payloadLength: 3) == [0x80, 0x03])
        #expect(writtenHeader(opcode: .ping, payloadLength: 5) == [0x89, 0x05])
        #expect(writtenHeader(opcode: .pong, payloadLength: 125) == [0x8A, 0x7D])
        #expect(writtenHeader(opcode: .text, payloadLength: 5, maskKey: 0x37FA_213D) == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D])
        #expect(writtenHeader(opcode: .binary, payloadLength: 65536, maskKey: 0x0102_0304)
                == [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0x02, 0x03, 0x04])
    }

    // RFC 6455 section 5.7.
    @Test func rfcExamples() {
        let hello = Array("Hello".utf8)
        #expect(WebSocketFrameEncoder.encodeFrame(opcode: .text, payload: hello) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        #expect(WebSocketFrameEncoder.encodeFrame(opcode: .text, payload: hello, maskKey: 0x37FA_213D)
                == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
        #expect(WebSocketFrameEncoder.encodeFrame(opcode: .text, payload: Array("Hel".utf8), fin: false) == [0x01, 0x03, 0x48, 0x65, 0x6C])
        #expect(WebSocketFrameEncoder.encodeFrame(opcode: .continuation, payload: Array("lo".utf8)) == [0x80, 0x02, 0x6C, 0x6F])
        #expect(WebSocketFrameEncoder.encodeFrame(opcode: .ping, payload: hello) == [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        #expect(WebSocketFrameEncoder.encodeText("Hello") == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        let big = WebSocketFrameEncoder.encodeFrame(opcode: .binary, payload: [UInt8](repeating: 7, count: 256))
        #expect(Array(big[..<4]) == [0x82, 0x7E, 0x01, 0x00] && big.count == 260)
    }

    /// Encode, decode, unmask: the payload comes back, in all length forms, masked or not.
    @Test(arguments: [0, 1, 7, 8, 9, 125, 126, 127, 1000, 65535, 65536, 70001])
    func roundTripThroughTheDecoder(length: Int) throws {
        let payload = sample(length)
        for maskKey in [nil, 0xA1B2_C3D4] as [UInt32?] {
            var frame = WebSocketFrameEncoder.encodeFrame(opcode: .binary, payload: payload, maskKey: maskKey)
            let header = try #require(decodedHeader(frame, expectMasked: maskKey != nil))
            #expect(header.payloadLength == length)
            #expect(header.headerLength == WebSocketFrameEncoder.headerLength(payloadLength: length, masked: maskKey != nil))
            #expect(header.frameLength == frame.count)
            if let maskKey {
                #expect(header.maskKey == maskKey)
                #expect(Array(frame[header.headerLength...]) == referenceMask(payload, key: maskKey))
                frame.withUnsafeMutableBytes {
                    WebSocketMasking.unmask(UnsafeMutableRawBufferPointer(rebasing: $0[header.headerLength...]), key: header.maskKey)
                }
            }
            #expect(Array(frame[header.headerLength...]) == payload)
        }
    }

    @Test func closeFrames() {
        #expect(WebSocketFrameEncoder.encodeClose(code: nil) == [0x88, 0x00])
        #expect(WebSocketFrameEncoder.encodeClose(code: nil, reason: "dropped") == [0x88, 0x00])
        #expect(WebSocketFrameEncoder.encodeClose(code: .normal) == [0x88, 0x02, 0x03, 0xE8])
        #expect(WebSocketFrameEncoder.encodeClose(code: .protocolError, reason: "bad") == [0x88, 0x05, 0x03, 0xEA, 0x62, 0x61, 0x64])
        #expect(WebSocketFrameEncoder.encodeClose(code: WebSocketCloseCode(4000)) == [0x88, 0x02, 0x0F, 0xA0])
        #expect(WebSocketFrameEncoder.encodeClose(code: .messageTooBig, maskKey: 0x0102_0304)
                == [0x88, 0x82, 0x01, 0x02, 0x03, 0x04, 0x03 ^ 0x01, 0xF1 ^ 0x02])
    }

    /// A long reason is cut to 123 bytes, or less to end on a whole character.
    @Test(arguments: [
        (String(repeating: "x", count: 200), 123),
        (String(repeating: "x", count: 123), 123),
        (String(repeating: "x", count: 122), 122),
        (String(repeating: "é", count: 100), 122),          // 2-byte characters: 61 fit
        (String(repeating: "€", count: 50), 123),           // 3-byte characters: 41 fit exactly
        ("x" + String(repeating: "€", count: 50), 121),     // 1 + 40 × 3
        (String(repeating: "😀", count: 40), 120),          // 4-byte characters: 30 fit
    ])
    func closeReasonIsTruncatedOnACharacterBoundary(reason: String, reasonBytes: Int) {
        let frame = WebSocketFrameEncoder.encodeClose(code: .goingAway, reason: reason)
        #expect(frame.count == 2 + 2 + reasonBytes)
        #expect(frame[1] == UInt8(2 + reasonBytes))
        #expect(Array(frame[2..<4]) == [0x03, 0xE9])
        #expect(Array(frame[4...]) == Array(reason.utf8.prefix(reasonBytes)))
        #expect(UTF8Validator.isValid(Array(frame[4...])))
    }

    // Masking (WebSocketMasking), checked here because the encoder is its sending-side user.

    /// Every length 0...70 (all word/tail mixes), every start offset, buffers starting at
    /// unaligned addresses: same bytes as the byte-at-a-time definition, and masking twice is
    /// the identity.
    @Test func maskingMatchesTheDefinition() {
        let key: UInt32 = 0x37FA_213D
        for length in 0...70 {
            for startOffset in 0..<8 {
                for misalignment in 0..<4 {
                    let payload = sample(length)
                    var buffer = [UInt8](repeating: 0x55, count: misalignment) + payload + [0x66]
                    buffer.withUnsafeMutableBytes {
                        WebSocketMasking.unmask(UnsafeMutableRawBufferPointer(rebasing: $0[misalignment..<misalignment + length]),
                                                key: key, startOffset: startOffset)
                    }
                    #expect(Array(buffer[misalignment..<misalignment + length]) == referenceMask(payload, key: key, startOffset: startOffset),
                            "length \(length), offset \(startOffset), misalignment \(misalignment)")
                    #expect(buffer[..<misalignment].allSatisfy { $0 == 0x55 } && buffer.last == 0x66, "wrote outside the range")
                    buffer.withUnsafeMutableBytes {
                        WebSocketMasking.mask(UnsafeMutableRawBufferPointer(rebasing: $0[misalignment..<misalignment + length]),
                                              key: key, startOffset: startOffset)
                    }
                    #expect(Array(buffer[misalignment..<misalignment + length]) == payload)
                }
            }
        }
    }

    /// Unmasking a payload in pieces, as it arrives, gives the same bytes as unmasking it whole.
    @Test func maskingInPieces() {
        let key: UInt32 = 0xDEAD_BEEF
        let payload = sample(100)
        let expected = referenceMask(payload, key: key)
        for first in [0, 1, 2, 3, 5, 8, 13, 33, 64, 99, 100] {
            for second in [first, first + 1, first + 7, first + 9, 100] where second <= 100 {
                var buffer = payload
                buffer.withUnsafeMutableBytes { raw in
                    for (start, end) in [(0, first), (first, second), (second, 100)] {
                        WebSocketMasking.unmask(UnsafeMutableRawBufferPointer(rebasing: raw[start..<end]), key: key, startOffset: start)
                    }
                }
                #expect(buffer == expected, "pieces at \(first), \(second)")
            }
        }
    }

    @Test func maskingAnEmptyBufferIsANoOp() {
        WebSocketMasking.unmask(UnsafeMutableRawBufferPointer(start: nil, count: 0), key: 0xFFFF_FFFF, startOffset: 3)
        var empty: [UInt8] = []
        empty.withUnsafeMutableBytes { WebSocketMasking.unmask($0, key: 1) }
        #expect(empty.isEmpty)
    }
}
