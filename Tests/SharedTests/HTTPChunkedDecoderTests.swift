import Testing
@testable import Shared

private struct Decoded: Equatable {
    var body: String
    var step: ChunkedStep
}

private func decodeAll(_ text: String, maxBody: Int = 1 << 20) -> Decoded {
    var decoder = HTTPChunkedDecoder(maxBody: maxBody)
    var body: [UInt8] = []
    let step = Array(text.utf8).withUnsafeBytes { decoder.decode($0, into: &body) }
    return Decoded(body: String(decoding: body, as: UTF8.self), step: step)
}

/// Feeds `bytes` in pieces of `size` and returns the body, the total consumed, and the error if any.
private func decodeInPieces(_ bytes: [UInt8], size: Int, maxBody: Int = 1 << 20) -> (body: [UInt8], consumed: Int, complete: Bool, error: HTTPParseError?) {
    var decoder = HTTPChunkedDecoder(maxBody: maxBody)
    var body: [UInt8] = []
    var consumed = 0
    var offset = 0
    while offset < bytes.count {
        let end = min(offset + size, bytes.count)
        let step = bytes.withUnsafeBytes { decoder.decode(UnsafeRawBufferPointer(rebasing: $0[offset..<end]), into: &body) }
        switch step {
        case .needMore(let n):
            #expect(n == end - offset)
            consumed += n
        case .complete(let n):
            return (body, consumed + n, true, nil)
        case .failure(let error):
            return (body, consumed, false, error)
        }
        offset = end
    }
    return (body, consumed, false, nil)
}

@Suite struct HTTPChunkedDecoderTests {
    static let wire = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"

    @Test func simpleBody() {
        let result = decodeAll(Self.wire)
        #expect(result == Decoded(body: "hello world", step: .complete(consumed: Self.wire.utf8.count)))
    }

    @Test func emptyBody() {
        #expect(decodeAll("0\r\n\r\n") == Decoded(body: "", step: .complete(consumed: 5)))
    }

    @Test func stopsAtTheEndOfTheBody() {
        let next = "GET /next HTTP/1.1\r\n\r\n"
        let result = decodeAll(Self.wire + next)
        #expect(result.step == .complete(consumed: Self.wire.utf8.count))
        #expect(result.body == "hello world")
    }

    @Test func hexSizesAnyCaseAndLeadingZeros() {
        let data = String(repeating: "x", count: 26)
        #expect(decodeAll("1A\r\n\(data)\r\n0\r\n\r\n").body == data)
        #expect(decodeAll("1a\r\n\(data)\r\n0\r\n\r\n").body == data)
        #expect(decodeAll("001a\r\n\(data)\r\n000\r\n\r\n").body == data)
    }

    @Test func extensionsAndTrailersIgnored() {
        let wire = "5;name=value;other=\"q;uoted\"\r\nhello\r\n3 ; ext\r\nabc\r\n0;last\r\nX-Checksum: 123\r\nX-Other: y\r\n\r\n"
        let result = decodeAll(wire)
        #expect(result == Decoded(body: "helloabc", step: .complete(consumed: wire.utf8.count)))
    }

    @Test func binaryDataWithCRLFInside() {
        let payload: [UInt8] = [0, 13, 10, 13, 10, 255, 48, 13, 10]
        let wire = Array("9\r\n".utf8) + payload + Array("\r\n0\r\n\r\n".utf8)
        let result = decodeInPieces(wire, size: 1)
        #expect(result.body == payload)
        #expect(result.complete)
        #expect(result.consumed == wire.count)
    }

    @Test func byteAtATime() {
        let wire = Array(("5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n").utf8)
        let result = decodeInPieces(wire, size: 1)
        #expect(String(decoding: result.body, as: UTF8.self) == "hello world")
        #expect(result.complete)
        #expect(result.consumed == wire.count)
        #expect(result.error == nil)
    }

    @Test func everySplitPoint() {
        let wire = Array(("a\r\n0123456789\r\n2;e\r\n!!\r\n0\r\nT: 1\r\n\r\nNEXT").utf8)
        for size in 1...wire.count {
            let result = decodeInPieces(wire, size: size)
            #expect(String(decoding: result.body, as: UTF8.self) == "0123456789!!", "piece size \(size)")
            #expect(result.complete)
            #expect(result.consumed == wire.count - 4, "piece size \(size)")
        }
    }

    @Test func doneDecoderConsumesNothingMore() {
        var decoder = HTTPChunkedDecoder(maxBody: 100)
        var body: [UInt8] = []
        let first = Array("0\r\n\r\n".utf8).withUnsafeBytes { decoder.decode($0, into: &body) }
        #expect(first == .complete(consumed: 5))
        #expect(decoder.isComplete)
        let again = Array("5\r\n".utf8).withUnsafeBytes { decoder.decode($0, into: &body) }
        #expect(again == .complete(consumed: 0))
        #expect(body.isEmpty)
    }

    @Test func badHex() {
        for wire in ["zz\r\nhello\r\n0\r\n\r\n", "\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n", "0x5\r\nhello\r\n", "5 5\r\nhello\r\n"] {
            guard case .failure(let e) = decodeAll(wire).step else { Issue.record("accepted \(wire)"); continue }
            #expect(e.status.code == 400, "\(wire)")
        }
        guard case .failure(let e) = decodeAll("zz\r\n").step else { Issue.record("accepted"); return }
        #expect(e.reason == "invalid chunk size: expected a hex digit")
    }

    @Test func missingCRLF() {
        let cases = [
            "5\r\nhelloX\r\n0\r\n\r\n",      // data longer than declared
            "5\r\nhello\n0\r\n\r\n",         // LF alone after data
            "5\nhello\r\n0\r\n\r\n",         // LF alone after size
            "5\rhello\r\n0\r\n\r\n",         // CR without LF after size
            "0\r\n\n",                        // LF alone ends the body
            "0\r\nX: 1\nY: 2\r\n\r\n",        // LF alone in trailers
            "0\r\n\rX",                       // CR without LF at the end
        ]
        for wire in cases {
            guard case .failure(let e) = decodeAll(wire).step else { Issue.record("accepted \(wire.debugDescription)"); continue }
            #expect(e.status.code == 400, "\(wire.debugDescription)")
        }
        guard case .failure(let e) = decodeAll("5\r\nhelloX").step else { Issue.record("accepted"); return }
        #expect(e.reason == "missing CRLF after chunk data")
    }

    @Test func bodyLimit() {
        let ok = decodeAll("5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n", maxBody: 10)
        #expect(ok.body == "helloworld")
        guard case .failure(let e) = decodeAll("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", maxBody: 10).step else {
            Issue.record("accepted"); return
        }
        #expect(e.status == .payloadTooLarge)
        #expect(e.reason == "request body too large: more than 10 bytes")
        // Refused from the size line alone, before any of the data arrives.
        #expect(decodeAll("b\r\n", maxBody: 10).step == .failure(e))
        // A size that would overflow any integer is just too large.
        guard case .failure(let huge) = decodeAll("ffffffffffffffffffffffffffff\r\n").step else { Issue.record("accepted"); return }
        #expect(huge.status.code == 413)
    }

    @Test func endlessExtensionsRefused() {
        var decoder = HTTPChunkedDecoder(maxBody: 100, maxLineOverhead: 64)
        var body: [UInt8] = []
        let wire = Array(("5;" + String(repeating: "e", count: 100)).utf8)
        let step = wire.withUnsafeBytes { decoder.decode($0, into: &body) }
        guard case .failure(let e) = step else { Issue.record("accepted"); return }
        #expect(e.status.code == 400)
        var trailers = HTTPChunkedDecoder(maxBody: 100, maxLineOverhead: 64)
        let trailerWire = Array(("0\r\n" + String(repeating: "T: 1\r\n", count: 20)).utf8)
        guard case .failure(let t) = trailerWire.withUnsafeBytes({ trailers.decode($0, into: &body) }) else {
            Issue.record("accepted"); return
        }
        #expect(t.status.code == 400)
    }

    @Test func decodedCountTracksBody() {
        var decoder = HTTPChunkedDecoder(maxBody: 100)
        var body: [UInt8] = []
        _ = Array("3\r\nabc\r\n2\r\nd".utf8).withUnsafeBytes { decoder.decode($0, into: &body) }
        #expect(decoder.decodedCount == 4)
        #expect(!decoder.isComplete)
        #expect(body == Array("abcd".utf8))
    }
}
