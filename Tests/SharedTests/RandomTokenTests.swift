import Testing
@testable import Shared

@Suite struct RandomTokenTests {
    @Test func apiTokenShape() {
        let token = RandomToken.apiToken()
        #expect(token.utf8.count == 60)
        #expect(token.utf8.allSatisfy { RandomToken.Alphabet.alphanumeric.characters.contains($0) })
    }

    @Test func sessionIdShape() {
        let sid = RandomToken.sessionId()
        #expect(sid.utf8.count == 20)
        #expect(sid.utf8.allSatisfy { RandomToken.Alphabet.urlSafe.characters.contains($0) })
    }

    @Test func customLengthAndAlphabet() {
        #expect(RandomToken.generate(length: 0, alphabet: .alphanumeric) == "")
        #expect(RandomToken.generate(length: 5, alphabet: RandomToken.Alphabet("x")) == "xxxxx")
        let binary = RandomToken.generate(length: 1000, alphabet: RandomToken.Alphabet("01"))
        #expect(binary.utf8.count == 1000)
        #expect(Set(binary.utf8) == [UInt8(ascii: "0"), UInt8(ascii: "1")])
    }

    @Test func tokensDiffer() {
        let tokens = Set((0..<1000).map { _ in RandomToken.sessionId() })
        #expect(tokens.count == 1000)
    }

    /// 620,000 draws over 62 characters: each should appear ~10,000 times. A bias such as `% 62` on
    /// raw bytes (chars 0-7 ~25 % more likely) would push those far outside ±6 %.
    @Test func distributionIsRoughlyUniform() {
        var counts = [Int](repeating: 0, count: 128)
        let chars = RandomToken.Alphabet.alphanumeric.characters
        for _ in 0..<10_000 {
            for b in RandomToken.generate(length: 62, alphabet: .alphanumeric).utf8 { counts[Int(b)] += 1 }
        }
        for c in chars {
            #expect(counts[Int(c)] > 9_400 && counts[Int(c)] < 10_600, "\(Character(Unicode.Scalar(c))): \(counts[Int(c)])")
        }
    }
}
