import Testing
@testable import Shared

@Suite struct HexTests {
    @Test func encodesLowercase() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF]) == "00017f80abff")
        #expect(Hex.encode((0...255).map { UInt8($0) }).count == 512)
    }

    @Test func decodesBothCases() {
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("00017f80abff") == [0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF])
        #expect(Hex.decode("00017F80ABFF") == [0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF])
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Hex.encode(all)) == all)
    }

    @Test func rejectsMalformed() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("g0") == nil)
        #expect(Hex.decode(" 0") == nil)
        #expect(Hex.decode("0x00") == nil)
        #expect(Hex.decode("éé") == nil)
    }
}
