import Testing
import Shared

private func decode(_ bytes: [UInt8], expectMasked: Bool = true) -> WebSocketFrameDecoding {
    bytes.withUnsafeBytes { WebSocketFrameDecoder.decodeHeader($0, expectMasked: expectMasked) }
}

private func header(_ bytes: [UInt8], expectMasked: Bool = true) -> WebSocketFrameHeader? {
    if case .header(let header) = decode(bytes, expectMasked: expectMasked) { return header }
    return nil
}

private func closeCode(_ bytes: [UInt8], expectMasked: Bool = true) -> UInt16? {
    if case .invalid(let code, _) = decode(bytes, expectMasked: expectMasked) { return code.rawValue }
    return nil
}

private let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

@Suite struct WebSocketFrameDecoderTests {
    // RFC 6455 section 5.7.
    @Test func rfcMaskedHello() throws {
        var frame: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        let h = try #require(header(frame))
        #expect(h == WebSocketFrameHeader(fin: true, opcode: .text, masked: true, maskKey: 0x37FA_213D,
                                          payloadLength: 5, headerLength: 6))
        #expect(h.frameLength == 11)
        frame.withUnsafeMutableBytes { raw in
            WebSocketMasking.unmask(UnsafeMutableRawBufferPointer(rebasing: raw[h.headerLength...]), key: h.maskKey)
        }
        #expect(Array(frame[6...]) == Array("Hello".utf8))
    }

    @Test func rfcUnmaskedFramesOnTheClientSide() throws {
        let hello = try #require(header([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], expectMasked: false))
        #expect(hello == WebSocketFrameHeader(opcode: .text, payloadLength: 5, headerLength: 2))
        let fragment = try #require(header([0x01, 0x03, 0x48, 0x65, 0x6C], expectMasked: false))
        #expect(!fragment.fin && fragment.opcode == .text && fragment.payloadLength == 3)
        let rest = try #require(header([0x80, 0x02, 0x6C, 0x6F], expectMasked: false))
        #expect(rest.fin && rest.opcode == .continuation && rest.payloadLength == 2)
        let ping = try #require(header([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], expectMasked: false))
        #expect(ping.opcode == .ping && ping.opcode.isControl)
        let binary256 = try #require(header([0x82, 0x7E, 0x01, 0x00], expectMasked: false))
        #expect(binary256.payloadLength == 256 && binary256.headerLength == 4)
        let binary64k = try #require(header([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0], expectMasked: false))
        #expect(binary64k.payloadLength == 65536 && binary64k.headerLength == 10)
    }

    @Test(arguments: [
        // (second byte and extended length, payload length, header length without the mask)
        ([0x80], 0, 2),
        ([0x80 | 1], 1, 2),
        ([0x80 | 125], 125, 2),
        ([0x80 | 126, 0x00, 0x7E], 126, 4),
        ([0x80 | 126, 0xFF, 0xFF], 65535, 4),
        ([0x80 | 127, 0, 0, 0, 0, 0, 1, 0x00, 0x00], 65536, 10),
        ([0x80 | 127, 0, 0, 0x01, 0x00, 0, 0, 0, 0], 1 << 40, 10),
        ([0x80 | 127, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], Int.max, 10),
        // Non-minimal encodings are accepted.
        ([0x80 | 126, 0x00, 0x05], 5, 4),
        ([0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0x05], 5, 10),
        ([0x80 | 127, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], 65535, 10),
    ] as [([UInt8], Int, Int)])
    func lengthForms(lengthBytes: [UInt8], payloadLength: Int, baseHeaderLength: Int) throws {
        let frame = [0x82] + lengthBytes + key
        let h = try #require(header(frame))
        #expect(h.payloadLength == payloadLength)
        #expect(h.headerLength == baseHeaderLength + 4)
        #expect(h.maskKey == 0x37FA_213D)
        #expect(h.opcode == .binary && h.fin && h.masked)
        #expect(h.frameLength == (payloadLength == Int.max ? Int.max : payloadLength + baseHeaderLength + 4))
    }

    @Test func lengthWithTopBitSetIsAProtocolError() {
        #expect(closeCode([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0] + key) == 1002)
        #expect(closeCode([0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + key) == 1002)
    }

    /// Every prefix of a header asks for more, naming the total it needs.
    @Test(arguments: [
        ([0x81, 0x85] + key, 6),
        ([0x81, 0x80 | 126, 0x01, 0x00] + key, 8),
        ([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0] + key, 14),
        ([0x89, 0x80] + key, 6),
    ] as [([UInt8], Int)])
    func needMoreAtEveryByteBoundary(frame: [UInt8], headerLength: Int) throws {
        #expect(frame.count == headerLength)
        for cut in 0..<headerLength {
            let expected = cut < 2 ? 2 : headerLength
            #expect(decode(Array(frame[..<cut])) == .needMore(minimumTotalBytes: expected), "cut at \(cut)")
        }
        let h = try #require(header(frame))
        #expect(h.headerLength == headerLength)
        // Payload bytes after the header do not change the header.
        #expect(header(frame + [1, 2, 3]) == h)
    }

    @Test func emptyInputNeedsTwoBytes() {
        #expect([UInt8]().withUnsafeBytes { WebSocketFrameDecoder.decodeHeader($0) } == .needMore(minimumTotalBytes: 2))
    }

    @Test(arguments: [0x40, 0x20, 0x10, 0x70] as [UInt8])
    func reservedBitsAreAProtocolError(bits: UInt8) {
        #expect(closeCode([0x81 | bits]) == 1002)            // already from the first byte
        #expect(closeCode([0x81 | bits, 0x80] + key) == 1002)
        #expect(closeCode([0x89 | bits, 0x80] + key) == 1002)
    }

    @Test(arguments: [3, 4, 5, 6, 7, 11, 12, 13, 14, 15] as [UInt8])
    func reservedOpcodesAreAProtocolError(opcode: UInt8) {
        #expect(closeCode([0x80 | opcode]) == 1002)
        #expect(closeCode([0x80 | opcode, 0x80] + key) == 1002)
        #expect(closeCode([opcode, 0x80] + key) == 1002)
    }

    @Test func maskingMustMatchTheSide() {
        #expect(closeCode([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]) == 1002)        // unmasked from a client
        #expect(closeCode([0x81, 0x00]) == 1002)
        #expect(closeCode([0x81, 0x85] + key, expectMasked: false) == 1002)           // masked from a server
    }

    @Test func controlFrames() throws {
        for opcode: UInt8 in [0x8, 0x9, 0xA] {
            let h = try #require(header([0x80 | opcode, 0x80 | 125] + key))
            #expect(h.payloadLength == 125 && h.opcode.isControl)
            // More than 125 bytes, in any length form.
            #expect(closeCode([0x80 | opcode, 0x80 | 126]) == 1002)
            #expect(closeCode([0x80 | opcode, 0x80 | 126, 0x00, 0x7E] + key) == 1002)
            #expect(closeCode([0x80 | opcode, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 5] + key) == 1002)
            // Fragmented control frames.
            #expect(closeCode([opcode]) == 1002)
            #expect(closeCode([opcode, 0x80] + key) == 1002)
        }
        let close = try #require(header([0x88, 0x82] + key))
        #expect(close.opcode == .close && close.payloadLength == 2)
        let pong = try #require(header([0x8A, 0x80] + key))
        #expect(pong.opcode == .pong && pong.payloadLength == 0 && pong.headerLength == 6)
    }

    @Test func dataFrameFlags() throws {
        let first = try #require(header([0x01, 0x83] + key))
        #expect(!first.fin && first.opcode == .text)
        let middle = try #require(header([0x00, 0x83] + key))
        #expect(!middle.fin && middle.opcode == .continuation)
        let last = try #require(header([0x80, 0x83] + key))
        #expect(last.fin && last.opcode == .continuation)
        #expect(!last.rsv1 && !last.rsv2 && !last.rsv3)
    }

    /// The decoder reads its input where it lies, not from an aligned copy.
    @Test func unalignedInput() throws {
        let buffer: [UInt8] = [0xEE, 0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0] + key
        let h = try buffer.withUnsafeBytes { raw in
            try #require({ () -> WebSocketFrameHeader? in
                if case .header(let h) = WebSocketFrameDecoder.decodeHeader(UnsafeRawBufferPointer(rebasing: raw[1...])) { return h }
                return nil
            }())
        }
        #expect(h.payloadLength == 65536 && h.maskKey == 0x37FA_213D)
    }
}
