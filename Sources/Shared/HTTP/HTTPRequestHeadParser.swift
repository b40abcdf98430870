/// Incremental HTTP/1.1 request head parser (RFC 9112 §2–§3, §5–§6).
///
/// Call `parse` with the bytes received so far for the current request, each call's bytes
/// starting at the same first byte and extending the previous call's. The parser remembers how
/// far it has looked for the blank line, so a client that trickles its head one byte at a time
/// costs O(n) in total, not O(n²). After `.complete` or `.failure` it forgets that state, ready
/// for the next request (pass the bytes after `headLength`).
///
/// Limits are checked while scanning, before the head is complete, so an endless request line
/// or header block is refused as soon as it crosses its limit.
public struct HTTPRequestHeadParser: Sendable {
    private enum Phase: Sendable { case leadingLines, requestLine, headerLines }

    private var phase = Phase.leadingLines
    /// Next byte to examine.
    private var position = 0
    private var requestLineStart = 0
    /// Index of the LF ending the request line.
    private var requestLineEnd = 0
    /// Start of the header line being scanned.
    private var lineStart = 0
    private var headerLines = 0

    public init() {}

    public mutating func reset() { self = HTTPRequestHeadParser() }

    public mutating func parse(_ bytes: UnsafeRawBufferPointer, limits: HTTPLimits = HTTPLimits()) -> HTTPHeadParseResult {
        // A shorter buffer than last time cannot extend it: start over rather than misread.
        if bytes.count < position { reset() }
        let result = scan(bytes, limits)
        if case .needMore = result { return result }
        reset()
        return result
    }

    private mutating func scan(_ bytes: UnsafeRawBufferPointer, _ limits: HTTPLimits) -> HTTPHeadParseResult {
        // Nothing past `maxHead` can belong to an acceptable head, so it is never looked at.
        let scanEnd = min(bytes.count, limits.maxHead)
        var i = position

        if phase == .leadingLines {
            // RFC 9112 §2.2: empty lines before the request line are ignored.
            while i < scanEnd {
                if bytes[i] == HTTPGrammar.lf {
                    i += 1
                } else if bytes[i] == HTTPGrammar.cr {
                    if i + 1 == bytes.count { break }
                    if bytes[i + 1] != HTTPGrammar.lf { break }
                    i += 2
                } else {
                    break
                }
            }
            if i < scanEnd && !(bytes[i] == HTTPGrammar.cr && i + 1 == bytes.count) {
                phase = .requestLine
                requestLineStart = i
            }
        }

        if phase == .requestLine {
            while i < scanEnd, bytes[i] != HTTPGrammar.lf { i += 1 }
            if i < scanEnd {
                let length = Self.contentEnd(bytes, lineStart: requestLineStart, lf: i) - requestLineStart
                if length > limits.maxRequestLine {
                    return .failure(HTTPParseError(.uriTooLong, "request line too long: \(length) bytes, limit \(limits.maxRequestLine)"))
                }
                requestLineEnd = i
                i += 1
                lineStart = i
                phase = .headerLines
            } else {
                var length = i - requestLineStart
                if length > 0 && bytes[i - 1] == HTTPGrammar.cr { length -= 1 }
                if length > limits.maxRequestLine {
                    return .failure(HTTPParseError(.uriTooLong, "request line too long: more than \(limits.maxRequestLine) bytes"))
                }
            }
        }

        if phase == .headerLines {
            while i < scanEnd {
                while i < scanEnd, bytes[i] != HTTPGrammar.lf { i += 1 }
                guard i < scanEnd else { break }
                let isEmpty = i == lineStart || (i == lineStart + 1 && bytes[lineStart] == HTTPGrammar.cr)
                if isEmpty {
                    return build(bytes, headLength: i + 1, limits: limits)
                }
                headerLines += 1
                if headerLines > limits.maxHeaderCount {
                    return .failure(HTTPParseError(.requestHeaderFieldsTooLarge, "too many header fields: more than \(limits.maxHeaderCount)"))
                }
                i += 1
                lineStart = i
            }
        }

        position = i
        if bytes.count > limits.maxHead {
            return .failure(HTTPParseError(.requestHeaderFieldsTooLarge, "request header fields too large: more than \(limits.maxHead) bytes"))
        }
        return .needMore
    }

    /// End of a line's content: the LF's index, or the CR's just before it.
    @inline(__always)
    private static func contentEnd(_ bytes: UnsafeRawBufferPointer, lineStart: Int, lf: Int) -> Int {
        lf > lineStart && bytes[lf - 1] == HTTPGrammar.cr ? lf - 1 : lf
    }

    // MARK: - The complete head

    private func build(_ bytes: UnsafeRawBufferPointer, headLength: Int, limits: HTTPLimits) -> HTTPHeadParseResult {
        let lineEnd = Self.contentEnd(bytes, lineStart: requestLineStart, lf: requestLineEnd)
        let requestLine: RequestLine
        switch Self.parseRequestLine(bytes, requestLineStart..<lineEnd) {
        case .success(let line): requestLine = line
        case .failure(let error): return .failure(error)
        }

        var headers = HTTPHeaders()
        headers.reserveCapacity(headerLines)
        var framing = Framing()
        var start = requestLineEnd + 1
        let blankLineStart = Self.blankLineStart(bytes, headLength: headLength)
        while start < blankLineStart {
            var lf = start
            while bytes[lf] != HTTPGrammar.lf { lf += 1 }
            if let error = Self.parseHeaderLine(bytes, start..<Self.contentEnd(bytes, lineStart: start, lf: lf),
                                                into: &headers, framing: &framing) {
                return .failure(error)
            }
            start = lf + 1
        }

        if let error = framing.check(version: requestLine.version, limits: limits) {
            return .failure(error)
        }
        let head = HTTPRequestHead(method: requestLine.method, target: requestLine.target, path: requestLine.path,
                                   query: requestLine.query, version: requestLine.version, headers: headers)
        return .complete(head, headLength: headLength)
    }

    private static func blankLineStart(_ bytes: UnsafeRawBufferPointer, headLength: Int) -> Int {
        headLength >= 2 && bytes[headLength - 2] == HTTPGrammar.cr ? headLength - 2 : headLength - 1
    }

    private struct RequestLine {
        var method: HTTPMethod
        var target: String
        var path: String
        var query: String?
        var version: HTTPVersion
    }

    private static func parseRequestLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> Result<RequestLine, HTTPParseError> {
        let end = line.upperBound
        let shapeError = HTTPParseError.badRequest("malformed request line: expected 'METHOD /target HTTP/1.1'")

        var i = line.lowerBound
        while i < end, HTTPGrammar.isTchar(bytes[i]) { i += 1 }
        guard i < end else { return .failure(shapeError) }
        guard bytes[i] == HTTPGrammar.space else { return .failure(unexpectedByte(bytes[i], "in method")) }
        guard i > line.lowerBound else { return .failure(shapeError) }
        let method = HTTPMethod(token: UnsafeRawBufferPointer(rebasing: bytes[line.lowerBound..<i]))

        let targetStart = i + 1
        i = targetStart
        while i < end, bytes[i] &- 0x21 < 0x5E { i += 1 }
        guard i < end else {
            return .failure(i == targetStart ? shapeError : .badRequest("missing HTTP version in request line"))
        }
        guard bytes[i] == HTTPGrammar.space else { return .failure(unexpectedByte(bytes[i], "in request target")) }
        guard i > targetStart else { return .failure(shapeError) }
        let targetRange = targetStart..<i

        let versionStart = i + 1
        for j in versionStart..<end where bytes[j] == HTTPGrammar.cr { return .failure(bareCR) }
        let version: HTTPVersion
        switch parseVersion(bytes, versionStart..<end) {
        case .success(let v): version = v
        case .failure(let error): return .failure(error)
        }

        let target = HTTPGrammar.string(bytes, targetRange)
        switch splitTarget(bytes, targetRange, method: method) {
        case .success(let (path, query)):
            let pathString = path == targetRange ? target : path.isEmpty ? "/" : HTTPGrammar.string(bytes, path)
            let queryString = query.map { HTTPGrammar.string(bytes, $0) }
            return .success(RequestLine(method: method, target: target, path: pathString,
                                        query: queryString, version: version))
        case .failure(let error):
            return .failure(error)
        }
    }

    private static func parseVersion(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Result<HTTPVersion, HTTPParseError> {
        let s = range.lowerBound
        guard range.count == 8,
              bytes[s] == UInt8(ascii: "H"), bytes[s + 1] == UInt8(ascii: "T"), bytes[s + 2] == UInt8(ascii: "T"),
              bytes[s + 3] == UInt8(ascii: "P"), bytes[s + 4] == HTTPGrammar.slash,
              HTTPGrammar.isDigit(bytes[s + 5]), bytes[s + 6] == HTTPGrammar.dot, HTTPGrammar.isDigit(bytes[s + 7])
        else {
            return .failure(.badRequest("malformed HTTP version '\(HTTPGrammar.string(bytes, range))'"))
        }
        let version = HTTPVersion(major: Int(bytes[s + 5] - HTTPGrammar.zero), minor: Int(bytes[s + 7] - HTTPGrammar.zero))
        guard version == .http1_1 || version == .http1_0 else {
            return .failure(HTTPParseError(.httpVersionNotSupported, "HTTP version not supported: \(version)"))
        }
        return .success(version)
    }

    /// Path and query ranges of a target (RFC 9112 §3.2): origin-form, absolute-form (whose
    /// path is taken; the authority is left to the Host field, which HTTP/1.1 clients must
    /// send anyway), or `*` for OPTIONS.
    private static func splitTarget(_ bytes: UnsafeRawBufferPointer, _ target: Range<Int>,
                                    method: HTTPMethod) -> Result<(Range<Int>, Range<Int>?), HTTPParseError> {
        var pathStart = target.lowerBound
        switch bytes[pathStart] {
        case HTTPGrammar.slash:
            break
        case UInt8(ascii: "*") where target.count == 1:
            guard method == .options else {
                return .failure(.badRequest("request target '*' is only allowed with OPTIONS"))
            }
            return .success((target, nil))
        default:
            guard let authorityStart = schemeEnd(bytes, target) else {
                return .failure(.badRequest("request target must start with '/'"))
            }
            pathStart = authorityStart
            while pathStart < target.upperBound, bytes[pathStart] != HTTPGrammar.slash, bytes[pathStart] != HTTPGrammar.question {
                pathStart += 1
            }
            guard pathStart > authorityStart else {
                return .failure(.badRequest("absolute request target without a host"))
            }
        }
        var question = pathStart
        while question < target.upperBound, bytes[question] != HTTPGrammar.question { question += 1 }
        let query = question < target.upperBound ? (question + 1)..<target.upperBound : nil
        // `http://host?x` has an empty path, which means `/`: the caller supplies the slash.
        return .success((pathStart..<question, query))
    }

    /// Index after `http://` or `https://` (any case), or nil.
    private static func schemeEnd(_ bytes: UnsafeRawBufferPointer, _ target: Range<Int>) -> Int? {
        for scheme in ["http://", "https://"] {
            var scheme = scheme
            let matched = scheme.withUTF8 { s -> Bool in
                target.count > s.count
                    && HTTPGrammar.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: bytes[target.lowerBound..<target.lowerBound + s.count]),
                                                UnsafeRawBufferPointer(s))
            }
            if matched { return target.lowerBound + scheme.utf8.count }
        }
        return nil
    }

    /// Validates one header line and appends it; nil when it is acceptable.
    private static func parseHeaderLine(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>,
                                        into headers: inout HTTPHeaders, framing: inout Framing) -> HTTPParseError? {
        let start = line.lowerBound, end = line.upperBound
        if HTTPGrammar.isWhitespace(bytes[start]) {
            return .badRequest("obsolete line folding: header line starts with whitespace")
        }
        var colon = start
        while colon < end, HTTPGrammar.isTchar(bytes[colon]) { colon += 1 }
        guard colon < end else { return .badRequest("header line without a colon") }
        switch bytes[colon] {
        case HTTPGrammar.colon where colon == start:
            return .badRequest("empty header field name")
        case HTTPGrammar.colon:
            break
        case HTTPGrammar.space, HTTPGrammar.tab:
            return .badRequest("whitespace between header field name and colon")
        default:
            return unexpectedByte(bytes[colon], "in header field name")
        }

        let value = HTTPGrammar.trimmingWhitespace(bytes, (colon + 1)..<end)
        for i in value {
            let byte = bytes[i]
            // field-vchar and obs-text plus SP/HTAB inside (RFC 9110 §5.5); everything else
            // is a control byte that could split or confuse what is downstream.
            if (byte < 0x20 && byte != HTTPGrammar.tab) || byte == 0x7F {
                return unexpectedByte(byte, "in value of header field '\(HTTPGrammar.string(bytes, start..<colon))'")
            }
        }

        let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[start..<colon])
        let valueBytes = UnsafeRawBufferPointer(rebasing: bytes[value])
        if let error = framing.note(name: nameBytes, value: valueBytes) { return error }
        headers.add(name: String(decoding: nameBytes, as: UTF8.self), value: String(decoding: valueBytes, as: UTF8.self))
        return nil
    }

    private static let bareCR = HTTPParseError.badRequest("bare CR in request head")

    private static func unexpectedByte(_ byte: UInt8, _ place: String) -> HTTPParseError {
        if byte == HTTPGrammar.cr { return bareCR }
        if byte == 0 { return .badRequest("NUL byte \(place)") }
        if byte < 0x20 || byte == 0x7F { return .badRequest("control character 0x\(hex(byte)) \(place)") }
        if byte == HTTPGrammar.space { return .badRequest("unexpected space \(place)") }
        return .badRequest("invalid character 0x\(hex(byte)) \(place)")
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
    }
}

/// The fields that decide where the body ends and which host is meant, collected while the
/// header lines are read and judged together once they all are (RFC 9112 §6.3).
private struct Framing {
    var hostCount = 0
    var contentLength: Int?
    var transferEncoding: [UInt8]?

    mutating func note(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> HTTPParseError? {
        switch name.count {
        case 4 where Self.named(name, "host"):
            hostCount += 1
            if hostCount > 1 { return .badRequest("more than one Host header field") }
        case 14 where Self.named(name, "content-length"):
            guard let length = HTTPRequestHead.parseContentLength(value) else {
                return .badRequest("invalid Content-Length '\(String(decoding: value, as: UTF8.self))'")
            }
            if let previous = contentLength, previous != length {
                return .badRequest("conflicting Content-Length values \(previous) and \(length)")
            }
            contentLength = length
        case 17 where Self.named(name, "transfer-encoding"):
            // Several fields form one list: "chunked" twice is not "chunked".
            if transferEncoding == nil {
                transferEncoding = Array(value)
            } else {
                transferEncoding! += Array(", ".utf8) + Array(value)
            }
        default:
            break
        }
        return nil
    }

    func check(version: HTTPVersion, limits: HTTPLimits) -> HTTPParseError? {
        if version == .http1_1 && hostCount == 0 {
            return .badRequest("missing Host header field")
        }
        if let coding = transferEncoding {
            if contentLength != nil {
                return .badRequest("both Transfer-Encoding and Content-Length: ambiguous body length")
            }
            if version == .http1_0 {
                return .badRequest("Transfer-Encoding in an HTTP/1.0 request")
            }
            let isChunked = coding.count == 7 && coding.withUnsafeBytes { Self.named($0, "chunked") }
            if !isChunked {
                return HTTPParseError(.notImplemented, "unsupported transfer coding '\(String(decoding: coding, as: UTF8.self))'")
            }
        }
        if let length = contentLength, length > limits.maxBody {
            let shown = length == Int.max ? "over \(Int.max)" : "\(length)"
            return HTTPParseError(.payloadTooLarge, "request body too large: \(shown) bytes, limit \(limits.maxBody)")
        }
        return nil
    }

    private static func named(_ name: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        let expected = lowercase.utf8Start
        for i in 0..<name.count where HTTPGrammar.lowercased(name[i]) != expected[i] { return false }
        return true
    }
}
