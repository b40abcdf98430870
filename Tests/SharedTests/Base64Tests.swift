import Testing
import Shared

@Suite struct Base64Tests {
    // RFC 4648 section 10.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfcVectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test func allByteValuesRoundTrip() {
        let bytes = (0...255).map { UInt8($0) }
        let encoded = Base64.encode(bytes)
        #expect(encoded.hasPrefix("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v"))
        #expect(encoded.hasSuffix("+fr7/P3+/w=="))
        #expect(encoded.utf8.count == Base64.encodedLength(256))
        #expect(Base64.decode(encoded) == bytes)
    }

    @Test func everyLengthRoundTrips() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 250) }
            let encoded = bytes.withUnsafeBytes { Base64.encode($0) }
            #expect(encoded.utf8.count == (length + 2) / 3 * 4)
            #expect(Base64.decode(encoded) == bytes, "length \(length)")
        }
    }

    @Test func highBitsUseTheStandardAlphabet() {
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.decode("+/8=") == [0xFB, 0xFF])
    }

    @Test(arguments: [
        "Zg", "Zg=", "Zm9", "Zm9vY",               // not a multiple of 4
        "Zh==", "Zm9=",                           // non-zero bits under the padding
        "Z===", "====", "=Zg=", "Zg==Zg==",        // padding in the wrong place
        "Zm9v\n", "Zm 9v", " Zm9v", "Zm9vYmFy\r\n", // whitespace
        "Zm-v", "Zm_v", "Zm9v!===", "Zm\u{e9}",   // outside the alphabet
    ])
    func strictDecodeRejects(text: String) {
        #expect(Base64.decode(text) == nil)
    }
}
