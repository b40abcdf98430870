import Testing
@testable import Shared

private func parse(_ text: String, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
    try JSONParser.parse(text, maxDepth: maxDepth)
}

private func parseError(_ bytes: [UInt8], maxDepth: Int = 64) -> JSONError? {
    do {
        let v = try JSONParser.parse(bytes, maxDepth: maxDepth)
        Issue.record("expected an error, got \(v)")
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String, maxDepth: Int = 64) -> JSONError? {
    parseError(Array(text.utf8), maxDepth: maxDepth)
}

@Suite struct JSONParserTests {
    // MARK: RFC 8259 §13 examples

    @Test func rfcObjectExample() throws {
        let text = """
            {
              "Image": {
                  "Width":  800,
                  "Height": 600,
                  "Title":  "View from 15th Floor",
                  "Thumbnail": {
                      "Url":    "http://www.example.com/image/481989943",
                      "Height": 125,
                      "Width":  100
                  },
                  "Animated" : false,
                  "IDs": [116, 943, 234, 38793]
                }
            }
            """
        let v = try parse(text)
        let image = try #require(v["Image"])
        #expect(image["Width"] == .int(800))
        #expect(image["Height"] == .int(600))
        #expect(image["Title"] == .string("View from 15th Floor"))
        #expect(image["Thumbnail"]?["Url"] == .string("http://www.example.com/image/481989943"))
        #expect(image["Thumbnail"]?["Height"] == .int(125))
        #expect(image["Animated"] == .bool(false))
        #expect(image["IDs"] == .array([.int(116), .int(943), .int(234), .int(38793)]))
        #expect(image.objectValue?.keys == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
    }

    @Test func rfcArrayExample() throws {
        let text = """
            [
              {
                 "precision": "zip",
                 "Latitude":  37.7668,
                 "Longitude": -122.3959,
                 "Address":   "",
                 "City":      "SAN FRANCISCO",
                 "State":     "CA",
                 "Zip":       "94107",
                 "Country":   "US"
              },
              {
                 "precision": "zip",
                 "Latitude":  37.371991,
                 "Longitude": -122.026020,
                 "Address":   "",
                 "City":      "SUNNYVALE",
                 "State":     "CA",
                 "Zip":       "94085",
                 "Country":   "US"
              }
            ]
            """
        let v = try parse(text)
        let a = try #require(v.arrayValue)
        #expect(a.count == 2)
        #expect(a[0]["Latitude"] == .double(37.7668))
        #expect(a[0]["Longitude"] == .double(-122.3959))
        #expect(a[1]["Latitude"] == .double(37.371991))
        #expect(a[1]["Longitude"] == .double(-122.026020))
        #expect(a[1]["City"] == .string("SUNNYVALE"))
        #expect(a[1]["Address"] == .string(""))
    }

    @Test func rfcScalarTexts() throws {
        #expect(try parse("\"Hello world!\"") == .string("Hello world!"))
        #expect(try parse("42") == .int(42))
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("null") == .null)
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object(JSONObject()))
    }

    // MARK: strings

    @Test func everyEscape() throws {
        let v = try parse(#""\"\\\/\b\f\n\r\t\u0041\u00e9\u4F60\u0000""#)
        #expect(v == .string("\"\\/\u{08}\u{0C}\n\r\tAé你\u{0}"))
    }

    @Test func escapesBetweenPlainAndNonASCIIText() throws {
        #expect(try parse(#""héllo \"wörld\" 你好 😀 end""#) == .string("héllo \"wörld\" 你好 😀 end"))
        #expect(try parse(#""abcdefghijklmnopqrstuvwxyz\n""#) == .string("abcdefghijklmnopqrstuvwxyz\n"))
    }

    @Test func surrogatePairs() throws {
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try parse(#""\ud83d\ude00x\uD834\uDD1E""#) == .string("😀x𝄞"))
        #expect(try parse(#""\uDBFF\uDFFF""#) == .string("\u{10FFFF}"))
    }

    @Test func loneSurrogatesBecomeReplacementCharacter() throws {
        #expect(try parse(#""\uD83D""#) == .string("\u{FFFD}"))
        #expect(try parse(#""\uDE00""#) == .string("\u{FFFD}"))
        #expect(try parse(#""a\uD83Db""#) == .string("a\u{FFFD}b"))
        // A high surrogate followed by an escape that is not a low one: both decoded separately.
        #expect(try parse(#""\uD83D\u0041""#) == .string("\u{FFFD}A"))
        #expect(try parse(#""\uD83D\uD83D\uDE00""#) == .string("\u{FFFD}😀"))
        #expect(try parse(#""\uD83D\n""#) == .string("\u{FFFD}\n"))
    }

    @Test func rawUTF8IsKept() throws {
        let bytes: [UInt8] = [0x22, 0xC3, 0xA9, 0xE4, 0xBD, 0xA0, 0xF0, 0x9F, 0x98, 0x80, 0xEF, 0xBF, 0xBF, 0x22]
        #expect(try JSONParser.parse(bytes) == .string("é你😀\u{FFFF}"))
    }

    @Test func invalidUTF8IsRejected() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0xFF, 0x22], 1),  // never valid
            ([0x22, 0x61, 0x80, 0x22], 2),  // stray continuation
            ([0x22, 0xC0, 0x80, 0x22], 1),  // overlong NUL
            ([0x22, 0xC1, 0xBF, 0x22], 1),  // overlong
            ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong 3-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),  // encoded surrogate U+D800
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
            ([0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22], 1),  // 5-byte form
            ([0x22, 0xE4, 0xBD, 0x22], 1),  // truncated by the quote
            ([0x22, 0x5C, 0x6E, 0xC3, 0x22], 3),  // in the escaped path too
            ([0x22, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xFE, 0x22], 9),  // after a fast 8-byte skip
        ]
        for (bytes, offset) in cases {
            #expect(parseError(bytes) == JSONError(offset: offset, reason: .invalidUTF8), "\(bytes)")
        }
    }

    @Test func controlCharactersMustBeEscaped() {
        #expect(parseError("\"a\u{01}b\"") == JSONError(offset: 2, reason: .controlCharacterInString))
        #expect(parseError("\"a\nb\"") == JSONError(offset: 2, reason: .controlCharacterInString))
        #expect(parseError("\"\\n\tb\"") == JSONError(offset: 3, reason: .controlCharacterInString))
        #expect(parseError("\"abcdefghij\u{1F}\"") == JSONError(offset: 11, reason: .controlCharacterInString))
    }

    @Test func badEscapes() {
        #expect(parseError(#""\x""#) == JSONError(offset: 2, reason: .invalidEscape))
        #expect(parseError(#""\'""#) == JSONError(offset: 2, reason: .invalidEscape))
        #expect(parseError(#""\u12G4""#) == JSONError(offset: 5, reason: .invalidUnicodeEscape))
        #expect(parseError(#""\u12""#) == JSONError(offset: 5, reason: .invalidUnicodeEscape))
        #expect(parseError(#""\u12"#) == JSONError(offset: 5, reason: .unexpectedEnd))
        #expect(parseError(#""\"#) == JSONError(offset: 2, reason: .unexpectedEnd))
        #expect(parseError(#""\uD83D\uDE0""#) == JSONError(offset: 12, reason: .invalidUnicodeEscape))
    }

    /// The 8-byte skip must stop on a special byte wherever it falls in the word.
    @Test func specialBytesFoundAtEveryOffset() throws {
        for offset in 0..<20 {
            let a = String(repeating: "a", count: offset)
            let b = String(repeating: "b", count: 20 - offset)
            #expect(try parse("\"" + a + "\\n" + b + "\"") == .string(a + "\n" + b))
            #expect(try parse("\"" + a + "é😀" + b + "\"") == .string(a + "é😀" + b))
            #expect(try parse("\"" + a + "\"") == .string(a))
            #expect(parseError("\"" + a + "\u{1F}" + b + "\"") == JSONError(offset: offset + 1, reason: .controlCharacterInString))
            #expect(parseError(Array(("\"" + a).utf8) + [0xFF] + Array((b + "\"").utf8)) == JSONError(offset: offset + 1, reason: .invalidUTF8))
        }
    }

    @Test func unterminatedStrings() {
        #expect(parseError("\"abc") == JSONError(offset: 4, reason: .unexpectedEnd))
        #expect(parseError("\"abcdefghijklmnop") == JSONError(offset: 17, reason: .unexpectedEnd))
        #expect(parseError("{\"a") == JSONError(offset: 3, reason: .unexpectedEnd))
    }

    // MARK: numbers

    @Test func integers() throws {
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0") == .int(0))
        #expect(try parse("-12") == .int(-12))
        #expect(try parse("9223372036854775807") == .int(Int64.max))
        #expect(try parse("-9223372036854775808") == .int(Int64.min))
        #expect(try parse("1234567890123456789") == .int(1_234_567_890_123_456_789))
    }

    @Test func numbersBeyondInt64BecomeDoubles() throws {
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808.0))
        #expect(try parse("-9223372036854775809") == .double(-9_223_372_036_854_775_809.0))
        #expect(try parse("18446744073709551616") == .double(18_446_744_073_709_551_616.0))
        #expect(try parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
    }

    @Test func fractionsAndExponents() throws {
        #expect(try parse("1.5") == .double(1.5))
        #expect(try parse("-0.0") == .double(-0.0))
        #expect(try parse("-0.0").doubleValue?.sign == .minus)
        #expect(try parse("1e3") == .double(1000))
        #expect(try parse("1E3") == .double(1000))
        #expect(try parse("1e+3") == .double(1000))
        #expect(try parse("25e-1") == .double(2.5))
        #expect(try parse("0.1") == .double(0.1))
        #expect(try parse("0.30000000000000004") == .double(0.30000000000000004))
        #expect(try parse("0.000001") == .double(0.000001))
        #expect(try parse("1.7976931348623157e308") == .double(1.7976931348623157e308))
        #expect(try parse("5e-324") == .double(.leastNonzeroMagnitude))
        #expect(try parse("1e-400") == .double(0))
        #expect(try parse("2.2250738585072011e-308") == .double(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)))  // largest subnormal
        // 1 + 2^-53 exactly is a tie and rounds to even (1.0); a digit more either way decides it.
        #expect(try parse("1.00000000000000011102230246251565404236316680908203125") == .double(1.0))
        #expect(try parse("1.000000000000000111022302462515654042363166809082031251") == .double(1.0000000000000002))
        #expect(try parse("1.000000000000000111022302462515654042363166809082031249") == .double(1.0))
    }

    @Test func malformedNumbers() {
        #expect(parseError("01") == JSONError(offset: 1, reason: .invalidNumber))
        #expect(parseError("-01") == JSONError(offset: 2, reason: .invalidNumber))
        #expect(parseError("1.") == JSONError(offset: 2, reason: .unexpectedEnd))
        #expect(parseError("[1.]") == JSONError(offset: 3, reason: .invalidNumber))
        #expect(parseError(".5") == JSONError(offset: 0, reason: .unexpectedByte(UInt8(ascii: "."))))
        #expect(parseError("-") == JSONError(offset: 1, reason: .unexpectedEnd))
        #expect(parseError("-a") == JSONError(offset: 1, reason: .invalidNumber))
        #expect(parseError("+1") == JSONError(offset: 0, reason: .unexpectedByte(UInt8(ascii: "+"))))
        #expect(parseError("1e") == JSONError(offset: 2, reason: .unexpectedEnd))
        #expect(parseError("1e+") == JSONError(offset: 3, reason: .unexpectedEnd))
        #expect(parseError("[1e]") == JSONError(offset: 3, reason: .invalidNumber))
        #expect(parseError("0x10") == JSONError(offset: 1, reason: .trailingData))
        #expect(parseError("1.5.2") == JSONError(offset: 3, reason: .trailingData))
        #expect(parseError("NaN") == JSONError(offset: 0, reason: .unexpectedByte(UInt8(ascii: "N"))))
        #expect(parseError("Infinity") == JSONError(offset: 0, reason: .unexpectedByte(UInt8(ascii: "I"))))
        #expect(parseError("-Infinity") == JSONError(offset: 1, reason: .invalidNumber))
        #expect(parseError("1e400") == JSONError(offset: 0, reason: .numberOutOfRange))
        #expect(parseError("-1e400") == JSONError(offset: 0, reason: .numberOutOfRange))
    }

    // MARK: structure

    @Test func whitespaceAnywhereBetweenTokens() throws {
        let v = try parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\"\r: null }\n\t ")
        #expect(v == .object(["a": [1, 2], "b": .null]))
    }

    @Test func trailingGarbageIsRejected() {
        #expect(parseError("{} x") == JSONError(offset: 3, reason: .trailingData))
        #expect(parseError("[1]]") == JSONError(offset: 3, reason: .trailingData))
        #expect(parseError("truex") == JSONError(offset: 4, reason: .trailingData))
        #expect(parseError("1 2") == JSONError(offset: 2, reason: .trailingData))
        #expect(parseError("\"a\"\u{0}") == JSONError(offset: 3, reason: .trailingData))
    }

    @Test func syntaxErrors() {
        #expect(parseError("") == JSONError(offset: 0, reason: .unexpectedEnd))
        #expect(parseError("   ") == JSONError(offset: 3, reason: .unexpectedEnd))
        #expect(parseError("[1,]") == JSONError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "]"))))
        #expect(parseError("{\"a\":1,}") == JSONError(offset: 7, reason: .unexpectedByte(UInt8(ascii: "}"))))
        #expect(parseError("[,1]") == JSONError(offset: 1, reason: .unexpectedByte(UInt8(ascii: ","))))
        #expect(parseError("[1 2]") == JSONError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "2"))))
        #expect(parseError("{\"a\" 1}") == JSONError(offset: 5, reason: .unexpectedByte(UInt8(ascii: "1"))))
        #expect(parseError("{a:1}") == JSONError(offset: 1, reason: .unexpectedByte(UInt8(ascii: "a"))))
        #expect(parseError("{'a':1}") == JSONError(offset: 1, reason: .unexpectedByte(UInt8(ascii: "'"))))
        #expect(parseError("[1] // c") == JSONError(offset: 4, reason: .trailingData))
        #expect(parseError("[/* c */ 1]") == JSONError(offset: 1, reason: .unexpectedByte(UInt8(ascii: "/"))))
        #expect(parseError("tru") == JSONError(offset: 3, reason: .unexpectedEnd))
        #expect(parseError("nul1") == JSONError(offset: 3, reason: .unexpectedByte(UInt8(ascii: "1"))))
        #expect(parseError("[") == JSONError(offset: 1, reason: .unexpectedEnd))
        #expect(parseError("[1") == JSONError(offset: 2, reason: .unexpectedEnd))
        #expect(parseError("{\"a\":") == JSONError(offset: 5, reason: .unexpectedEnd))
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x31]) == JSONError(offset: 0, reason: .unexpectedByte(0xEF)))  // BOM
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try parse(ok).arrayValue?.count == 1)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(tooDeep) == JSONError(offset: 64, reason: .depthLimitExceeded))
        let objects = String(repeating: "{\"a\":", count: 4) + "1" + String(repeating: "}", count: 4)
        #expect(try parse(objects, maxDepth: 4)["a"]?["a"]?["a"]?["a"] == .int(1))
        #expect(parseError(objects, maxDepth: 3) == JSONError(offset: 15, reason: .depthLimitExceeded))
        // Siblings do not add up: depth is nesting, not count.
        let wide = "[" + Array(repeating: "[[]]", count: 100).joined(separator: ",") + "]"
        #expect(try parse(wide, maxDepth: 3).arrayValue?.count == 100)
        // A hostile 100k-deep document fails fast instead of overflowing the stack.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(parseError(hostile)?.reason == .depthLimitExceeded)
    }

    @Test func parsesFromRawBufferAndString() throws {
        let bytes = Array(#"{"room_id":"1","n":[true,false,null]}"#.utf8)
        let v = try bytes.withUnsafeBytes { raw in try JSONParser.parse(raw) }
        #expect(v == .object(["room_id": "1", "n": [true, false, .null]]))
        #expect(try JSONParser.parse(#"{"room_id":"1","n":[true,false,null]}"#) == v)
        #expect(throws: JSONError(offset: 0, reason: .unexpectedEnd)) {
            try [UInt8]().withUnsafeBytes { raw in try JSONParser.parse(raw) }
        }
    }

    // MARK: values

    @Test func duplicateKeysLastWinsOnLookup() throws {
        let v = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(v["a"] == .int(3))
        #expect(v.objectValue?.count == 3)
        var o = try #require(v.objectValue)
        o["a"] = .int(9)
        #expect(o.keys == ["a", "b"])
        #expect(o["a"] == .int(9))
        o["c"] = .bool(true)
        o["b"] = nil
        #expect(o == ["a": 9, "c": true])
    }

    @Test func accessors() throws {
        let v = try parse(#"{"i":7,"d":7.0,"f":7.5,"s":"7","neg":"-7","z":"07","big":1e19,"b":true,"n":null}"#)
        #expect(v["i"]?.intValue == 7)
        #expect(v["d"]?.intValue == 7)
        #expect(v["f"]?.intValue == nil)
        #expect(v["s"]?.intValue == nil)
        #expect(v["s"]?.intValueAcceptingNumericString == 7)
        #expect(v["neg"]?.intValueAcceptingNumericString == -7)
        #expect(v["z"]?.intValueAcceptingNumericString == nil)
        #expect(v["i"]?.intValueAcceptingNumericString == 7)
        #expect(v["big"]?.intValue == nil)
        #expect(v["f"]?.doubleValue == 7.5)
        #expect(v["b"]?.boolValue == true)
        #expect(v["b"]?.intValue == nil)
        #expect(v["n"]?.isNull == true)
        #expect(v["i"]?.isNull == false)
        #expect(v["s"]?.stringValue == "7")
        #expect(v["missing"] == nil)
        #expect(v["i"]?["x"] == nil)
        for bad in ["", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "-0", "99999999999999999999", "１"] {
            #expect(JSONValue.string(bad).intValueAcceptingNumericString == nil, "\(bad)")
        }
        #expect(JSONValue.string("0").intValueAcceptingNumericString == 0)
        #expect(JSONValue.string("9223372036854775807").intValueAcceptingNumericString == Int.max)
        #expect(JSONValue.string("-9223372036854775808").intValueAcceptingNumericString == Int.min)
        #expect(JSONValue.string("9223372036854775808").intValueAcceptingNumericString == nil)
        #expect(JSONValue.double(-9.223372036854775808e18).intValue == Int.min)
        #expect(JSONValue.double(9.223372036854775808e18).intValue == nil)
        #expect(JSONValue.double(.nan).intValue == nil)
        #expect(JSONValue.double(.infinity).intValue == nil)
    }
}
