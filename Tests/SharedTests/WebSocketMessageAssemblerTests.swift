import Testing
import Shared

/// An event with its bytes copied out, so tests can compare it after the payload view is gone.
private enum Outcome: Equatable {
    case message(WebSocketMessageKind, [UInt8], borrowed: Bool)
    case ping([UInt8])
    case pong([UInt8])
    case close(UInt16?, [UInt8])
    case continueReading
    case fail(UInt16)
}

private func outcome(_ event: WebSocketEvent) -> Outcome {
    switch event {
    case .message(let kind, .borrowed(let view)): .message(kind, Array(view), borrowed: true)
    case .message(let kind, .owned(let bytes)): .message(kind, bytes, borrowed: false)
    case .ping(let view): .ping(Array(view))
    case .pong(let view): .pong(Array(view))
    case .close(let code, let reason): .close(code?.rawValue, Array(reason))
    case .continueReading: .continueReading
    case .fail(let code, _): .fail(code.rawValue)
    }
}

private func frameHeader(_ opcode: WebSocketOpcode, _ length: Int, fin: Bool = true) -> WebSocketFrameHeader {
    WebSocketFrameHeader(fin: fin, opcode: opcode, masked: true, maskKey: 0x1234_5678, payloadLength: length, headerLength: 6)
}

extension WebSocketMessageAssembler {
    fileprivate mutating func feed(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) -> Outcome {
        payload.withUnsafeBytes { outcome(feed(frameHeader(opcode, payload.count, fin: fin), payload: $0)) }
    }

    fileprivate mutating func feed(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> Outcome {
        feed(opcode, Array(text.utf8), fin: fin)
    }
}

private func closeBody(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] { [UInt8(code >> 8), UInt8(code & 0xFF)] + reason }

private let mb = 1 << 20

@Suite struct WebSocketMessageAssemblerTests {
    @Test func unfragmentedMessagesBorrowTheCallersBytes() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        let payload = Array("Hello".utf8)
        payload.withUnsafeBytes { view in
            guard case .message(.text, .borrowed(let message)) = assembler.feed(frameHeader(.text, 5), payload: view) else {
                Issue.record("expected a borrowed text message")
                return
            }
            #expect(message.baseAddress == view.baseAddress && message.count == 5)
        }
        #expect(assembler.feed(.binary, [0, 1, 2, 0xFF]) == .message(.binary, [0, 1, 2, 0xFF], borrowed: true))
        #expect(assembler.feed(.text, "") == .message(.text, [], borrowed: true))
        #expect(assembler.feed(.binary, []) == .message(.binary, [], borrowed: true))
        #expect(!assembler.isAssemblingMessage)
    }

    @Test func textInThreeFragmentsWithAPingBetween() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, "Hel", fin: false) == .continueReading)
        #expect(assembler.isAssemblingMessage && assembler.bufferedByteCount == 3)
        #expect(assembler.feed(.ping, "ping!") == .ping(Array("ping!".utf8)))
        #expect(assembler.feed(.continuation, "lo, ", fin: false) == .continueReading)
        #expect(assembler.feed(.pong, []) == .pong([]))
        #expect(assembler.feed(.continuation, "world") == .message(.text, Array("Hello, world".utf8), borrowed: false))
        #expect(!assembler.isAssemblingMessage && assembler.bufferedByteCount == 0)
        // The assembler is ready for the next message, fragmented or not.
        #expect(assembler.feed(.binary, [1], fin: false) == .continueReading)
        #expect(assembler.feed(.close, closeBody(1000)) == .close(1000, []))   // does not disturb it either
        #expect(assembler.feed(.continuation, [2], fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, [3]) == .message(.binary, [1, 2, 3], borrowed: false))
        #expect(assembler.feed(.text, "next") == .message(.text, Array("next".utf8), borrowed: true))
    }

    @Test func emptyFragments() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, "", fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, "", fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, "") == .message(.text, [], borrowed: false))
    }

    @Test func controlFrames() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        let payload125 = [UInt8](repeating: 0xFE, count: 125)
        #expect(assembler.feed(.ping, payload125) == .ping(payload125))   // binary bytes are fine in pings
        #expect(assembler.feed(.pong, "pong") == .pong(Array("pong".utf8)))
        #expect(assembler.feed(.close, []) == .close(nil, []))
        #expect(assembler.feed(.close, closeBody(1000)) == .close(1000, []))
        #expect(assembler.feed(.close, closeBody(1001, Array("bye ✓".utf8))) == .close(1001, Array("bye ✓".utf8)))
        #expect(assembler.feed(.close, [0x03]) == .fail(1002))
    }

    @Test(arguments: [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func invalidCloseCodesAreAProtocolError(code: UInt16) {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.close, closeBody(code)) == .fail(1002))
        #expect(assembler.feed(.close, closeBody(code, Array("why".utf8))) == .fail(1002))
        #expect(!WebSocketCloseCode.isValidOnWire(code))
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999] as [UInt16])
    func validCloseCodesAreReported(code: UInt16) {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.close, closeBody(code)) == .close(code, []))
        #expect(WebSocketCloseCode(code).isValidOnWire)
    }

    @Test func closeReasonMustBeUTF8() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        // Autobahn 7.5.1: "κόσμε" + a surrogate + "edited".
        let reason: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80] + Array("edited".utf8)
        #expect(assembler.feed(.close, closeBody(1000, reason)) == .fail(1007))
        #expect(assembler.feed(.close, closeBody(1000, [0xE2, 0x82])) == .fail(1007))   // cut inside a character
    }

    @Test func continuationWithoutAMessageIsAProtocolError() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.continuation, "x") == .fail(1002))
        #expect(assembler.feed(.continuation, "x", fin: false) == .fail(1002))
        // Also right after a completed fragmented message (Autobahn 5.15).
        #expect(assembler.feed(.text, "a", fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, "b") == .message(.text, Array("ab".utf8), borrowed: false))
        #expect(assembler.feed(.continuation, "c", fin: false) == .fail(1002))
    }

    @Test(arguments: [WebSocketOpcode.text, .binary])
    func newDataFrameInsideAFragmentedMessageIsAProtocolError(opcode: WebSocketOpcode) {
        for fin in [true, false] {
            var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
            #expect(assembler.feed(.binary, [1], fin: false) == .continueReading)
            #expect(assembler.feed(opcode, [2], fin: fin) == .fail(1002))
            #expect(!assembler.isAssemblingMessage)   // reset after a failure
        }
    }

    @Test func preflightSeesSequenceErrorsFromTheHeader() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.preflight(frameHeader(.continuation, 10))?.code == .protocolError)
        #expect(assembler.preflight(frameHeader(.text, 10)) == nil)
        #expect(assembler.feed(.text, "a", fin: false) == .continueReading)
        #expect(assembler.preflight(frameHeader(.text, 10))?.code == .protocolError)
        #expect(assembler.preflight(frameHeader(.binary, 10, fin: false))?.code == .protocolError)
        #expect(assembler.preflight(frameHeader(.continuation, 10)) == nil)
        #expect(assembler.preflight(frameHeader(.ping, 10)) == nil)
    }

    @Test func invalidTextFailsWith1007() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, [0x61, 0xFF, 0x62]) == .fail(1007))
        #expect(assembler.feed(.text, [0xED, 0xA0, 0x80]) == .fail(1007))
        #expect(assembler.feed(.text, [0xF4, 0x90, 0x80, 0x80]) == .fail(1007))
        #expect(assembler.feed(.text, [0xC0, 0xAF]) == .fail(1007))
        #expect(assembler.feed(.text, [0x61, 0xE2, 0x82]) == .fail(1007))   // ends inside a character
        // Binary messages are not UTF-8 checked.
        #expect(assembler.feed(.binary, [0xFF, 0xED, 0xA0, 0x80]) == .message(.binary, [0xFF, 0xED, 0xA0, 0x80], borrowed: true))
    }

    /// Autobahn 6.4.1/6.4.2: the fragment that makes the text invalid fails at once, before the
    /// message is complete.
    @Test func invalidTextFailsInTheFragmentThatCarriesIt() {
        let kosme: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5]
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, kosme, fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, [0xF4, 0x90, 0x80, 0x80], fin: false) == .fail(1007))

        assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, kosme + [0xF4], fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, [0x90], fin: false) == .fail(1007))

        // Valid so far, but the final fragment leaves a character open.
        assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, [0xF0, 0x9F], fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, [0x98]) == .fail(1007))
    }

    /// A valid text split into three fragments at every pair of byte positions.
    @Test func textSplitAtEveryByteBoundary() {
        let text = Array("a€😀é-κόσμε".utf8)
        for i in 0...text.count {
            for j in i...text.count {
                var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
                #expect(assembler.feed(.text, Array(text[..<i]), fin: false) == .continueReading)
                #expect(assembler.feed(.continuation, Array(text[i..<j]), fin: false) == .continueReading, "cut at \(i), \(j)")
                #expect(assembler.feed(.continuation, Array(text[j...])) == .message(.text, text, borrowed: false), "cut at \(i), \(j)")
            }
        }
    }

    @Test func oversizeSingleFrameFailsWith1009FromTheHeader() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        #expect(!assembler.exceedsLimit(frameHeader(.binary, 100)))
        #expect(assembler.exceedsLimit(frameHeader(.binary, 101)))
        #expect(assembler.exceedsLimit(frameHeader(.text, Int.max)))   // no overflow on a hostile length
        #expect(!assembler.exceedsLimit(frameHeader(.ping, 125)))
        #expect(assembler.preflight(frameHeader(.text, 1 << 30))?.code == .messageTooBig)
        #expect(assembler.feed(.binary, [UInt8](repeating: 1, count: 101)) == .fail(1009))
        #expect(assembler.feed(.text, [UInt8](repeating: 0x61, count: 101), fin: false) == .fail(1009))
        #expect(assembler.feed(.binary, [UInt8](repeating: 1, count: 100)) == .message(.binary, [UInt8](repeating: 1, count: 100), borrowed: true))
    }

    @Test func oversizeFragmentedMessageFailsWith1009() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 100)
        #expect(assembler.feed(.binary, [UInt8](repeating: 1, count: 40), fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, [UInt8](repeating: 2, count: 40), fin: false) == .continueReading)
        #expect(!assembler.exceedsLimit(frameHeader(.continuation, 20)))
        #expect(assembler.exceedsLimit(frameHeader(.continuation, 21)))
        #expect(assembler.exceedsLimit(frameHeader(.continuation, Int.max)))
        #expect(assembler.preflight(frameHeader(.continuation, 21))?.code == .messageTooBig)
        #expect(assembler.feed(.continuation, [UInt8](repeating: 3, count: 21)) == .fail(1009))

        // Exactly at the limit is fine.
        #expect(assembler.feed(.text, [UInt8](repeating: 0x61, count: 50), fin: false) == .continueReading)
        #expect(assembler.feed(.continuation, [UInt8](repeating: 0x62, count: 50)) == .message(.text, [UInt8](repeating: 0x61, count: 50) + [UInt8](repeating: 0x62, count: 50), borrowed: false))
    }

    /// One big text frame arriving in pieces (Autobahn 6.4.3/6.4.4): the piece holding the bad
    /// byte fails, without waiting for the rest of the frame.
    @Test func partialPayloadFailsFast() {
        let good = Array("κόσμε".utf8)
        let frame = good + [0xF4, 0x90, 0x80, 0x80] + Array("edited".utf8)
        let header = frameHeader(.text, frame.count)
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        frame.withUnsafeBytes { all in
            #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<0])) == nil)
            #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<good.count])) == nil)
            #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<(good.count + 1)])) == nil)
            #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<(good.count + 2)]))?.code == .invalidPayload)
        }
    }

    @Test func partialPayloadThenFeedCompletesTheMessage() {
        let text = Array("a€😀é-κόσμε and more".utf8)
        for cut in 0...text.count {
            var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
            let header = frameHeader(.text, text.count)
            text.withUnsafeBytes { all in
                #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<cut])) == nil)
                #expect(outcome(assembler.feed(header, payload: all)) == .message(.text, text, borrowed: true), "cut at \(cut)")
            }
            // The next frame starts afresh.
            #expect(assembler.feed(.text, [0xCE, 0xBA]) == .message(.text, [0xCE, 0xBA], borrowed: true))
        }
    }

    @Test func partialPayloadOfAContinuation() {
        var assembler = WebSocketMessageAssembler(maxMessageSize: mb)
        #expect(assembler.feed(.text, [0x61, 0xE2], fin: false) == .continueReading)
        let rest: [UInt8] = [0x82, 0xAC, 0x62]
        let header = frameHeader(.continuation, rest.count)
        rest.withUnsafeBytes { all in
            #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<1])) == nil)
            #expect(assembler.checkPartialPayload(header, received: UnsafeRawBufferPointer(rebasing: all[..<2])) == nil)
            #expect(outcome(assembler.feed(header, payload: all)) == .message(.text, [0x61, 0xE2, 0x82, 0xAC, 0x62], borrowed: false))
        }
        // Binary frames are not inspected.
        let binary: [UInt8] = [0xFF]
        binary.withUnsafeBytes {
            #expect(assembler.checkPartialPayload(frameHeader(.binary, 1), received: $0) == nil)
        }
    }

    @Test func messagePayloadAccessors() {
        let owned = WebSocketMessagePayload.owned([1, 2, 3])
        #expect(owned.count == 3 && owned.bytes == [1, 2, 3])
        #expect(owned.withUnsafeBytes { Array($0) } == [1, 2, 3])
        ([4, 5] as [UInt8]).withUnsafeBytes { (view: UnsafeRawBufferPointer) in
            let borrowed = WebSocketMessagePayload.borrowed(view)
            #expect(borrowed.count == 2 && borrowed.bytes == [4, 5])
            #expect(borrowed.withUnsafeBytes { $0.baseAddress } == view.baseAddress)
        }
    }
}
