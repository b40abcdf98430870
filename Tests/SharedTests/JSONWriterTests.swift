import Foundation
import Testing
@testable import Shared

private func written(_ value: JSONValue) -> String {
    String(decoding: JSONWriter.encode(value), as: UTF8.self)
}

private func writtenString(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    JSONWriter.appendString(s, into: &out)
    return out
}

/// Deterministic generator so a failing document can be reproduced.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private let awkwardScalars: [Unicode.Scalar] = [
    "a", "Z", "0", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}", "\u{D}", "\u{1F}",
    "\u{7F}", "\u{80}", "é", "ß", "\u{7FF}", "\u{800}", "你", "好", "\u{2028}", "\u{2029}", "\u{2027}", "\u{FEFF}",
    "\u{FFFD}", "\u{FFFF}", "😀", "👍", "\u{10000}", "\u{10FFFF}",
]

/// `foundationSafe` leaves out U+FEFF: JSONSerialization on Linux drops it from strings it parses
/// (JSON.parse keeps it, and so do we).
private func randomString(_ rng: inout SplitMix64, foundationSafe: Bool = false) -> String {
    var s = String.UnicodeScalarView()
    for _ in 0..<Int.random(in: 0...12, using: &rng) {
        if Bool.random(using: &rng) {
            s.append(Unicode.Scalar(UInt8.random(in: 0x20...0x7E, using: &rng)))
        } else {
            let c = awkwardScalars.randomElement(using: &rng)!
            s.append(foundationSafe && c == "\u{FEFF}" ? "~" : c)
        }
    }
    return String(s)
}

private func randomDouble(_ rng: inout SplitMix64) -> Double {
    switch Int.random(in: 0..<4, using: &rng) {
    case 0:
        while true {
            let d = Double(bitPattern: rng.next())
            if d.isFinite { return d }
        }
    case 1: return [0.1, 0.5, -2.5, 1e16, 1e-7, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 123456.789, -0.0, 3.0].randomElement(using: &rng)!
    case 2: return Double.random(in: -1e6...1e6, using: &rng)
    default: return Double(Int.random(in: -1_000_000...1_000_000, using: &rng)) / 1000
    }
}

/// Objects get distinct keys: JSONSerialization keeps the first duplicate, JSON.parse the last.
private func randomValue(_ rng: inout SplitMix64, depth: Int, foundationSafe: Bool = false) -> JSONValue {
    let kind = depth >= 4 ? Int.random(in: 0..<5, using: &rng) : Int.random(in: 0..<7, using: &rng)
    switch kind {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2:
        return .int(
            [Int64.random(in: -1000...1000, using: &rng), Int64.random(in: .min ... .max, using: &rng), .max, .min]
                .randomElement(using: &rng)!)
    case 3: return .double(randomDouble(&rng))
    case 4: return .string(randomString(&rng, foundationSafe: foundationSafe))
    case 5:
        return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in
            randomValue(&rng, depth: depth + 1, foundationSafe: foundationSafe)
        })
    default:
        var o = JSONObject()
        for k in 0..<Int.random(in: 0...5, using: &rng) {
            o.append(
                key: randomString(&rng, foundationSafe: foundationSafe) + "#\(k)",
                value: randomValue(&rng, depth: depth + 1, foundationSafe: foundationSafe))
        }
        return .object(o)
    }
}

/// JSONSerialization on Linux reads doubles a few ulps off (ours are bit-exact, checked separately),
/// so numbers that went through it compare within a relative 1e-14.
private func close(_ a: Double, _ b: Double) -> Bool {
    a == b || abs(a - b) <= 1e-14 * max(abs(a), abs(b))
}

/// Same document, as far as JSON can tell: numbers compare by value, objects by key set.
private func sameAsFoundation(_ any: Any, _ v: JSONValue) -> Bool {
    switch v {
    case .null: return any is NSNull
    case .bool(let b): return (any as? Bool) == b
    case .int(let i): return (any as? NSNumber).map { $0.int64Value == i || close($0.doubleValue, Double(i)) } ?? false
    case .double(let d): return (any as? NSNumber).map { close($0.doubleValue, d) } ?? false
    case .string(let s): return (any as? String) == s
    case .array(let a):
        guard let fa = any as? [Any], fa.count == a.count else { return false }
        return zip(fa, a).allSatisfy { sameAsFoundation($0, $1) }
    case .object(let o):
        guard let fo = any as? [String: Any], fo.count == o.count else { return false }
        return o.members.allSatisfy { m in fo[m.key].map { sameAsFoundation($0, m.value) } ?? false }
    }
}

/// Equality that lets `1.0` written by another writer come back as `.int(1)`, objects in any order.
private func sameNumbersAside(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { sameNumbersAside($0, $1) }
    case let (.object(x), .object(y)):
        return x.count == y.count && x.members.allSatisfy { m in y[m.key].map { sameNumbersAside(m.value, $0) } ?? false }
    default:
        if let p = a.doubleValue, let q = b.doubleValue { return close(p, q) }
        return a == b
    }
}

@Suite struct JSONWriterTests {
    @Test func scalars() {
        #expect(written(.null) == "null")
        #expect(written(.bool(true)) == "true")
        #expect(written(.bool(false)) == "false")
        #expect(written(.int(0)) == "0")
        #expect(written(.int(-12)) == "-12")
        #expect(written(.int(Int64.max)) == "9223372036854775807")
        #expect(written(.int(Int64.min)) == "-9223372036854775808")
        #expect(written(.string("")) == "\"\"")
    }

    @Test func doublesAreValidJSONAndRoundTrip() throws {
        #expect(written(.double(1.5)) == "1.5")
        #expect(written(.double(0.1)) == "0.1")
        #expect(written(.double(3.0)) == "3.0")
        #expect(written(.double(-0.0)) == "-0.0")
        #expect(written(.double(1e16)) == "1e+16")
        #expect(written(.double(1e-7)) == "1e-07")
        #expect(written(.double(.leastNonzeroMagnitude)) == "5e-324")
        #expect(written(.double(1.7976931348623157e308)) == "1.7976931348623157e+308")
        #expect(written(.double(0.30000000000000004)) == "0.30000000000000004")
        #expect(written(.double(.nan)) == "null")
        #expect(written(.double(.infinity)) == "null")
        #expect(written(.double(-.infinity)) == "null")
        // Every finite double reads back bit for bit, through our parser and through Foundation's.
        var rng = SplitMix64(state: 7)
        for _ in 0..<20_000 {
            let d = randomDouble(&rng)
            let bytes = JSONWriter.encode(.double(d))
            let back = try JSONParser.parse(bytes)
            #expect(back.doubleValue?.bitPattern == d.bitPattern, "\(d)")
            let foundation = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
            #expect((foundation as? NSNumber).map { close($0.doubleValue, d) } == true, "\(d)")
        }
    }

    @Test func integerAppendsMatchDescription() {
        for n: Int64 in [0, 1, 9, 10, 99, 100, -1, -10, 1_000_000_007, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1] {
            var out: [UInt8] = [UInt8(ascii: "x")]
            JSONWriter.appendInt(n, into: &out)
            #expect(out == Array(("x" + String(n)).utf8))
        }
        var out: [UInt8] = []
        JSONWriter.appendInt(-42 as Int, into: &out)
        #expect(out == Array("-42".utf8))
    }

    @Test func stringEscaping() {
        #expect(writtenString("plain") == Array("\"plain\"".utf8))
        #expect(writtenString("a\"b\\c/d") == Array(#""a\"b\\c/d""#.utf8))
        #expect(writtenString("\n\r\t\u{8}\u{C}") == Array(#""\n\r\t\b\f""#.utf8))
        #expect(writtenString("\u{0}\u{1}\u{1F}\u{7F}") == Array("\"\\u0000\\u0001\\u001f\u{7F}\"".utf8))
        #expect(writtenString("x\u{2028}y\u{2029}z\u{2027}") == Array("\"x\\u2028y\\u2029z\u{2027}\"".utf8))
        #expect(writtenString("é你好 😀👍") == Array("\"é你好 😀👍\"".utf8))
        // Every control character, and nothing else below 0x80, is escaped.
        for b in UInt8(0)..<0x80 {
            let s = String(Unicode.Scalar(b))
            let out = writtenString(s)
            if b < 0x20 || b == 0x22 || b == 0x5C {
                #expect(out[1] == UInt8(ascii: "\\"), "\(b)")
            } else {
                #expect(out == [0x22, b, 0x22], "\(b)")
            }
        }
    }

    /// The 8-byte skip must notice a special character wherever it falls in the word.
    @Test func escapesFoundAtEveryOffset() {
        func reference(_ s: String) -> String {
            var r = "\""
            for c in s.unicodeScalars {
                switch c {
                case "\"": r += "\\\""
                case "\\": r += "\\\\"
                case "\n": r += "\\n"
                case "\u{1}": r += "\\u0001"
                case "\u{2028}": r += "\\u2028"
                case "\u{2029}": r += "\\u2029"
                default: r.unicodeScalars.append(c)
                }
            }
            return r + "\""
        }
        for special in ["\"", "\\", "\n", "\u{1}", "\u{2028}", "\u{2029}", "\u{2027}", "é", "😀"] {
            for offset in 0..<20 {
                let s = String(repeating: "a", count: offset) + special + String(repeating: "b", count: 20 - offset)
                #expect(writtenString(s) == Array(reference(s).utf8), "\(special) at \(offset)")
            }
        }
    }

    @Test func stringsReadBackExactly() throws {
        var rng = SplitMix64(state: 11)
        for _ in 0..<2000 {
            let s = randomString(&rng) + randomString(&rng)
            #expect(try JSONParser.parse(writtenString(s)) == .string(s))
        }
    }

    @Test func nestedValue() {
        let v: JSONValue = ["b": [1, 2.5, "x", .null, true], "a": ["nested": [:]], "": []]
        #expect(written(v) == #"{"b":[1,2.5,"x",null,true],"a":{"nested":{}},"":[]}"#)
    }

    @Test func keysAndObjectWriter() {
        var out: [UInt8] = [UInt8(ascii: "{")]
        JSONWriter.appendKey("k\"", into: &out)
        JSONWriter.appendNull(into: &out)
        #expect(out == Array(#"{"k\"":null"#.utf8))

        var o = JSONObjectWriter()
        o.add("id", int: 41)
        o.add("userid", string: "alice@example.com")
        o.add("msg", string: "hi \"there\"\n")
        o.add("roomid", int64: 1)
        o.add("ok", bool: true)
        o.add("ratio", double: 0.5)
        o.addNull("nothing")
        o.add("list", value: [1, "a"])
        o.add("raw", rawJSON: Array("{\"x\":[]}".utf8))
        #expect(
            String(decoding: o.finish(), as: UTF8.self)
                == #"{"id":41,"userid":"alice@example.com","msg":"hi \"there\"\n","roomid":1,"ok":true,"ratio":0.5,"nothing":null,"list":[1,"a"],"raw":{"x":[]}}"#
        )
        #expect(JSONObjectWriter().finish() == Array("{}".utf8))
        var framed = JSONObjectWriter(prefix: Array(#"42["message","#.utf8))
        framed.add("a", int: 1)
        #expect(framed.finish(suffix: [UInt8(ascii: "]")]) == Array(#"42["message",{"a":1}]"#.utf8))
    }

    @Test func roundTripCorpus() throws {
        let corpus = [
            #"{"token":"abc","room_id":"1","type":"text","content":"你好 😀👍"}"#,
            #"[1,-1,0,1.5,-0.25,1e+16,1e-07,9223372036854775807,-9223372036854775808,9.2233720368547758e+18]"#,
            #"{"a":{"b":{"c":[[],[{}],[[[null]]]]}},"e":"\u0000\u001f\u2028\u2029\\\"/"}"#,
            #"["\ud83d\ude00","\uD83D","é","\u00e9","\uFFFF",""]"#,
            #"{"username":"bob","src":"https://s3.qiufengh.com/avatar/1.jpeg","img":"","msg":"&lt;b&gt;","roomid":"1","time":"2019-12-11T08:00:00.000Z","api_token":"aBc123"}"#,
            #"true"#, #"null"#, #"-0"#, #""x""#, #"0.1"#,
        ]
        for text in corpus {
            let first = try JSONParser.parse(text)
            let bytes = JSONWriter.encode(first)
            let second = try JSONParser.parse(bytes)
            #expect(first == second, "\(text)")
            #expect(JSONWriter.encode(second) == bytes, "\(text)")
        }
        // Random documents: write → parse gives the same tree, and writing it again the same bytes.
        var rng = SplitMix64(state: 3)
        for _ in 0..<500 {
            let doc = randomValue(&rng, depth: 0)
            let bytes = JSONWriter.encode(doc)
            let back = try JSONParser.parse(bytes)
            #expect(back == doc)
            #expect(JSONWriter.encode(back) == bytes)
        }
    }

    /// Our output must be what another parser reads (JSON.parse's stand-in here), and another writer's
    /// output what ours reads.
    @Test func crossCheckWithFoundation() throws {
        var rng = SplitMix64(state: 2024)
        for n in 0..<400 {
            let value = randomValue(&rng, depth: 0, foundationSafe: true)
            let doc: JSONValue = n % 2 == 0 ? .array([value]) : value
            let ours = JSONWriter.encode(doc)
            let foundation = try JSONSerialization.jsonObject(with: Data(ours), options: .fragmentsAllowed)
            #expect(sameAsFoundation(foundation, doc), "\(String(decoding: ours, as: UTF8.self))")

            let theirs = try JSONSerialization.data(withJSONObject: foundation, options: .fragmentsAllowed)
            let parsed = try JSONParser.parse(Array(theirs))
            #expect(sameAsFoundation(foundation, parsed), "\(String(decoding: theirs, as: UTF8.self))")
            #expect(sameNumbersAside(parsed, doc), "\(String(decoding: theirs, as: UTF8.self))")
        }
    }

    /// ("[1,]" is left out: JSONSerialization accepts trailing commas, JSON.parse does not.)
    @Test func foundationRejectsWhatWeReject() throws {
        for bad in ["01", "1.", "NaN", "[\"a\u{1}\"]", "{\"a\":1}x", "'a'", "[\"\\x\"]", "-", ".5"] {
            #expect(throws: JSONError.self) { try JSONParser.parse(bad) }
            #expect(throws: (any Error).self) {
                try JSONSerialization.jsonObject(with: Data(bad.utf8), options: .fragmentsAllowed)
            }
        }
    }
}
