/// Strict RFC 8259 parser over UTF-8 bytes.
///
/// Refuses what JavaScript's JSON.parse refuses (trailing commas, comments, leading zeros, NaN,
/// unescaped control characters) and also invalid UTF-8, so that nothing it accepts can make the
/// writer produce bytes a browser would reject.
public enum JSONParser {
    public static let defaultMaxDepth = 64

    /// Parses one JSON text; only whitespace may follow it.
    /// `maxDepth` bounds nested arrays/objects (and so the recursion a hostile client can cause).
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw JSONError(offset: 0, reason: .unexpectedEnd)
        }
        var state = JSONParserState(base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth)
        return try state.parseDocument()
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONError) in try parse(raw, maxDepth: maxDepth) } }
        return try result.get()
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(JSONError) in try parse(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth) }
        }
        return try result.get()
    }
}

/// Cursor over the input; one per parse.
struct JSONParserState {
    let p: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var i = 0
    var depth = 0
    /// Reused for strings with escapes, so that only the final String allocates.
    var scratch: [UInt8] = []

    init(_ p: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.p = p
        self.end = count
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if i != end { throw JSONError(offset: i, reason: .trailingData) }
        return value
    }

    @inline(__always)
    func fail(_ reason: JSONError.Reason) -> JSONError {
        JSONError(offset: i, reason: reason)
    }

    @inline(__always)
    func unexpected() -> JSONError {
        i < end ? JSONError(offset: i, reason: .unexpectedByte(p[i])) : JSONError(offset: i, reason: .unexpectedEnd)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while i < end {
            let b = p[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    /// `i` is on the first byte of a value (whitespace already skipped).
    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard i < end else { throw fail(.unexpectedEnd) }
        switch p[i] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: throw unexpected()
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<n {
            guard i < end, p[i] == w[k] else { throw unexpected() }
            i += 1
        }
    }

    mutating func parseArray() throws(JSONError) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw fail(.depthLimitExceeded) }
        i += 1
        skipWhitespace()
        var elements: [JSONValue] = []
        if i < end && p[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipWhitespace()
            guard i < end else { throw fail(.unexpectedEnd) }
            let b = p[i]
            i += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "]") { break }
            i -= 1
            throw unexpected()
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws(JSONError) -> JSONValue {
        depth += 1
        if depth > maxDepth { throw fail(.depthLimitExceeded) }
        i += 1
        skipWhitespace()
        var members: [(key: String, value: JSONValue)] = []
        if i < end && p[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(JSONObject(members))
        }
        while true {
            guard i < end, p[i] == UInt8(ascii: "\"") else { throw unexpected() }
            let key = try parseString()
            skipWhitespace()
            guard i < end, p[i] == UInt8(ascii: ":") else { throw unexpected() }
            i += 1
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            guard i < end else { throw fail(.unexpectedEnd) }
            let b = p[i]
            i += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "}") { break }
            i -= 1
            throw unexpected()
        }
        depth -= 1
        return .object(JSONObject(members))
    }
}
