import Testing
import Shared

/// Feeds `bytes` one at a time; returns the index of the byte at which the validator first
/// reports failure, or nil if it never does, plus whether it ends complete.
private func feedBytewise(_ bytes: [UInt8]) -> (failedAt: Int?, complete: Bool) {
    var validator = UTF8Validator()
    for (index, byte) in bytes.enumerated() {
        let ok = [byte].withUnsafeBytes { validator.validate($0) }
        if !ok { return (index, false) }
    }
    return (nil, validator.isComplete)
}

/// Feeds `bytes` in chunks split at `cuts`; returns the result of each chunk and completeness.
private func feedChunks(_ bytes: [UInt8], cuts: [Int]) -> (results: [Bool], complete: Bool) {
    var validator = UTF8Validator()
    var results: [Bool] = []
    var start = 0
    for end in cuts + [bytes.count] {
        results.append(bytes[start..<end].withUnsafeBytes { validator.validate($0) })
        start = end
    }
    return (results, validator.isComplete)
}

private let kosme: [UInt8] = [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5]

// Markus Kuhn's UTF-8 decoder capability and stress test, section 2 (boundaries) and friends.
private let validCases: [[UInt8]] = [
    [],
    kosme,
    Array("Hello-µ@ßöäüàá-UTF-8!!".utf8),
    [0x00], [0xC2, 0x80], [0xE0, 0xA0, 0x80], [0xF0, 0x90, 0x80, 0x80],   // first of each length
    [0x7F], [0xDF, 0xBF], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF],   // last of each length
    [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBD],           // around the surrogates
    [0xEF, 0xBF, 0xBE], [0xF4, 0x8F, 0xBF, 0xBE],                         // noncharacters are valid UTF-8
    Array("𝄞 music, 😀 faces, 中文, عربى".utf8),
]

// (bytes, index of the byte where the input stops being a prefix of valid UTF-8; nil when it
// is only incomplete at the end).
private let invalidCases: [([UInt8], Int?)] = [
    // 3.1 unexpected continuation bytes
    ([0x80], 0), ([0xBF], 0), ([0x80, 0xBF], 0), ([0x41, 0x80], 1), ([0xC2, 0x80, 0x80], 2),
    // 3.2 lonely start characters
    ([0xC0, 0x20], 0), ([0xC2, 0x20], 1), ([0xE0, 0x20], 1), ([0xE1, 0x20], 1), ([0xF0, 0x20], 1),
    ([0xF8, 0x20], 0), ([0xFC, 0x20], 0),
    // 3.3 sequences with the last continuation byte missing
    ([0xC2], nil), ([0xE0, 0xA0], nil), ([0xF0, 0x90, 0x80], nil), ([0xDF], nil), ([0xEF, 0xBF], nil),
    ([0xF4, 0x8F, 0xBF], nil), ([0xE2, 0x82, 0x41], 2), ([0xF0, 0x9F, 0x98, 0x41], 3),
    // 3.4 concatenated incomplete sequences
    ([0xC0, 0xE0, 0x80, 0xF0, 0x80, 0x80], 0),
    // 3.5 impossible bytes
    ([0xFE], 0), ([0xFF], 0), ([0xFE, 0xFE, 0xFF, 0xFF], 0),
    // 4.1 overlong "/"
    ([0xC0, 0xAF], 0), ([0xE0, 0x80, 0xAF], 1), ([0xF0, 0x80, 0x80, 0xAF], 1),
    ([0xF8, 0x80, 0x80, 0x80, 0xAF], 0), ([0xFC, 0x80, 0x80, 0x80, 0x80, 0xAF], 0),
    // 4.2 maximum overlongs
    ([0xC1, 0xBF], 0), ([0xE0, 0x9F, 0xBF], 1), ([0xF0, 0x8F, 0xBF, 0xBF], 1),
    // 4.3 overlong NUL
    ([0xC0, 0x80], 0), ([0xE0, 0x80, 0x80], 1), ([0xF0, 0x80, 0x80, 0x80], 1),
    // 5.1 single UTF-16 surrogates
    ([0xED, 0xA0, 0x80], 1), ([0xED, 0xAD, 0xBF], 1), ([0xED, 0xAE, 0x80], 1), ([0xED, 0xAF, 0xBF], 1),
    ([0xED, 0xB0, 0x80], 1), ([0xED, 0xBE, 0x80], 1), ([0xED, 0xBF, 0xBF], 1),
    // 5.2 paired surrogates
    ([0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80], 1), ([0xED, 0xAF, 0xBF, 0xED, 0xBF, 0xBF], 1),
    // beyond U+10FFFF
    ([0xF4, 0x90, 0x80, 0x80], 1), ([0xF4, 0xBF, 0xBF, 0xBF], 1), ([0xF5, 0x80, 0x80, 0x80], 0),
    ([0xF7, 0xBF, 0xBF, 0xBF], 0),
    // Autobahn 6.4.1: "κόσμε", a surrogate, "edited"
    (kosme + [0xED, 0xA0, 0x80] + Array("edited".utf8), 12),
    // a bad byte after a long ASCII run (leaves the 16- and 8-byte fast paths)
    (Array(repeating: 0x61, count: 20) + [0x80, 0x61], 20),
    (Array(repeating: 0x61, count: 33) + [0xF4, 0x90], 34),
]

@Suite struct UTF8ValidatorTests {
    @Test func validCasesPassWholeAndBytewise() {
        for bytes in validCases {
            #expect(UTF8Validator.isValid(bytes), "\(bytes)")
            let bytewise = feedBytewise(bytes)
            #expect(bytewise.failedAt == nil && bytewise.complete, "\(bytes)")
        }
    }

    @Test func invalidCasesFailAtTheRightByte() {
        for (bytes, failAt) in invalidCases {
            #expect(!UTF8Validator.isValid(bytes), "\(bytes)")
            let bytewise = feedBytewise(bytes)
            #expect(bytewise.failedAt == failAt, "\(bytes)")
            #expect(!bytewise.complete, "\(bytes)")
        }
    }

    @Test func incompleteSequenceIsNotComplete() {
        var validator = UTF8Validator()
        #expect(([0xE2, 0x82] as [UInt8]).withUnsafeBytes { validator.validate($0) })
        #expect(!validator.isComplete)
        #expect(([0xAC] as [UInt8]).withUnsafeBytes { validator.validate($0) })   // U+20AC
        #expect(validator.isComplete)
    }

    /// Every split of every case into three chunks, with ASCII around it so the fast paths run:
    /// valid text stays valid, and invalid text fails in exactly the chunk holding the bad byte.
    @Test func everySplitIntoThreeChunks() {
        let prefix = Array("ab".utf8), suffix = Array("z".utf8)
        for bytes in validCases {
            let text = prefix + bytes + suffix
            for i in 0...text.count {
                for j in i...text.count {
                    let fed = feedChunks(text, cuts: [i, j])
                    #expect(fed.results == [true, true, true] && fed.complete, "\(bytes) cut at \(i), \(j)")
                }
            }
        }
        for (bytes, failAt) in invalidCases {
            let text = prefix + bytes   // no suffix: it would turn "incomplete" cases into bad bytes
            for i in 0...text.count {
                for j in i...text.count {
                    let fed = feedChunks(text, cuts: [i, j])
                    #expect(!fed.complete)
                    guard let failAt else {
                        #expect(fed.results == [true, true, true], "\(bytes) cut at \(i), \(j)")
                        continue
                    }
                    let position = failAt + prefix.count
                    let failingChunk = position < i ? 0 : (position < j ? 1 : 2)
                    let expected = (0..<3).map { $0 < failingChunk }
                    #expect(Array(fed.results.prefix(failingChunk + 1)) == Array(expected.prefix(failingChunk + 1)),
                            "\(bytes) cut at \(i), \(j)")
                }
            }
        }
    }

    /// A multi-byte character or a bad byte at every offset of ASCII runs up to 40 bytes long.
    @Test func asciiFastPathAtEveryOffset() {
        let inserts: [([UInt8], Bool)] = [
            ([0xC3, 0xA9], true), ([0xE2, 0x82, 0xAC], true), ([0xF0, 0x9F, 0x98, 0x80], true),
            ([0xFF], false), ([0x80], false), ([0xED, 0xA0, 0x80], false), ([0xE2, 0x82], false),
        ]
        for length in 0..<40 {
            for position in 0...length {
                for (insert, valid) in inserts {
                    var text = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                    text.insert(contentsOf: insert, at: position)
                    if !valid && insert == [0xE2, 0x82] && position == length {
                        // Truncated at the very end: a valid prefix, but not complete.
                        var validator = UTF8Validator()
                        #expect(text.withUnsafeBytes { validator.validate($0) })
                        #expect(!validator.isComplete)
                    }
                    #expect(UTF8Validator.isValid(text) == valid, "\(insert) at \(position) of \(length)")
                }
            }
        }
    }

    /// The fast paths must stop at the end of the view: an invalid byte just past it is not read.
    @Test func neverReadsPastTheView() {
        for length in 0...48 {
            let buffer = [UInt8](repeating: UInt8(ascii: "a"), count: length) + [UInt8](repeating: 0xFF, count: 16)
            let valid = buffer.withUnsafeBytes { UTF8Validator.isValid(UnsafeRawBufferPointer(rebasing: $0[..<length])) }
            #expect(valid, "length \(length)")
        }
    }

    @Test func failureIsSticky() {
        var validator = UTF8Validator()
        #expect(!([0xC0] as [UInt8]).withUnsafeBytes { validator.validate($0) })
        #expect(validator.hasFailed)
        #expect(!Array("fine".utf8).withUnsafeBytes { validator.validate($0) })
        #expect(!validator.isComplete)
        validator.reset()
        #expect(Array("fine".utf8).withUnsafeBytes { validator.validate($0) })
        #expect(validator.isComplete)
    }

    /// Agreement with the standard library's own validation on pseudo-random mixtures of valid
    /// characters and troublesome bytes, fed whole and in random chunks.
    @Test func agreesWithStandardLibrary() {
        var rng = SplitMix64(seed: 0x5EED)
        let tricky: [UInt8] = [0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED,
                               0xEE, 0xEF, 0xF0, 0xF3, 0xF4, 0xF5, 0xFF]
        let scalars: [Unicode.Scalar] = ["a", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}",
                                         "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "é", "€", "😀"]
        for _ in 0..<5000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: bytes.append(tricky.randomElement(using: &rng)!)
                case 1...4: bytes.append(contentsOf: String(scalars.randomElement(using: &rng)!).utf8)
                default: bytes.append(UInt8.random(in: 0x20...0x7E, using: &rng))
                }
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(UTF8Validator.isValid(bytes) == expected, "\(bytes)")
            var cuts = (0..<2).map { _ in Int.random(in: 0...bytes.count, using: &rng) }
            cuts.sort()
            let fed = feedChunks(bytes, cuts: cuts)
            #expect((fed.results.allSatisfy { $0 } && fed.complete) == expected, "\(bytes) cut at \(cuts)")
        }
    }
}

private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
