import Testing
@testable import Shared

private func hex(_ s: String) -> String { Hex.encode(SHA256.hash(s)) }

@Suite struct SHA256Tests {
    /// FIPS 180-4 / NIST CAVP short and long message examples.
    @Test func nistVectors() {
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu")
                == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionA() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(Hex.encode(SHA256.hash(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Streamed in uneven pieces that straddle block boundaries.
        var h = SHA256()
        var offset = 0
        var piece = 1
        while offset < million.count {
            let n = min(piece, million.count - offset)
            million[offset..<offset + n].withUnsafeBytes { h.update($0) }
            offset += n
            piece = piece * 7 % 997 + 1
        }
        #expect(Hex.encode(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries (55/56 bytes: one or two final blocks), from hashlib.
    @Test func paddingBoundaries() {
        let expected: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            57: "f13b2d724659eb3bf47f2dd6af1accc87b81f09f59f2b75e5c0bed6589dfe8c6",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
            119: "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb",
            120: "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c",
            128: "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e",
        ]
        for (n, digest) in expected {
            #expect(hex(String(repeating: "a", count: n)) == digest, "length \(n)")
        }
    }

    @Test func multiBlockBinaryAndUTF8Input() {
        let bytes = (0..<1024).map { UInt8(truncatingIfNeeded: $0) }
        #expect(Hex.encode(SHA256.hash(bytes)) == "785b0751fc2c53dc14a4ce3d800e69ef9ce1009eb327ccf458afe09c242c26c9")
        #expect(hex("你好 😀👍") == "615932cfb3138f277318a748890b6f950b2f716f5a01db03f62becc6acb0b587")
    }

    @Test func streamingMatchesOneShot() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hash(bytes)
        #expect(whole.count == SHA256.digestByteCount)
        for split in [0, 1, 55, 63, 64, 65, 128, 299, 300] {
            var h = SHA256()
            h.update(Array(bytes[..<split]))
            h.update([])
            h.update(Array(bytes[split...]))
            #expect(h.finalize() == whole, "split at \(split)")
        }
        var s = SHA256()
        s.update("ab")
        s.update("c")
        #expect(Hex.encode(s.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
