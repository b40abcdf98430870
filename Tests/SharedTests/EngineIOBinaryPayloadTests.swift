import Testing
@testable import Shared

private func framed(_ packets: [String]) -> [UInt8] {
    var out: [UInt8] = []
    for packet in packets {
        let bytes = Array(packet.utf8)
        out.append(0)
        out.append(contentsOf: String(bytes.count).utf8.map { $0 - UInt8(ascii: "0") })
        out.append(0xFF)
        out.append(contentsOf: bytes)
    }
    return out
}

private func failure(_ bytes: [UInt8]) -> EngineIOError? {
    do {
        _ = try EngineIOPayload.decodeBinaryFramed(bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct EngineIOBinaryPayloadTests {
    @Test func textPacketsWithByteLengths() throws {
        // What python-engineio 3.x POSTs: lengths in bytes, so non-ASCII text is counted by its UTF-8.
        let packets = ["2", #"42["message","héllo 😀"]"#, "1"]
        let decoded = try EngineIOPayload.decodeBinaryFramed(framed(packets))
        #expect(decoded.map { String(decoding: $0.encode(), as: UTF8.self) } == packets)
        #expect(decoded[0].type == .ping)
        #expect(decoded[1].type == .message)
    }

    @Test func longPacket() throws {
        let text = "4" + String(repeating: "x", count: 12_345)
        let decoded = try EngineIOPayload.decodeBinaryFramed(framed([text]))
        #expect(decoded.count == 1)
        #expect(decoded[0].data.count == 12_345)
    }

    @Test func refusals() {
        #expect(failure([]) == .emptyPayload)
        #expect(failure([1, 1, 0xFF, 0x41]) == .binaryNotSupported)
        #expect(failure([2, 1, 0xFF, 0x32]) == .invalidLength(offset: 0))
        #expect(failure([0, 0xFF, 0x32]) == .invalidLength(offset: 1))
        #expect(failure([0, 1]) == .missingColon(offset: 1))
        #expect(failure([0, 5, 0xFF, 0x32]) == .lengthPastEnd(offset: 3))
        #expect(failure([0, 1, 0x41, 0xFF, 0x32]) == .invalidLength(offset: 2))
        #expect(failure([0, 2, 0xFF, 0x34, 0xC3]) == .invalidUTF8(offset: 1))
    }
}
