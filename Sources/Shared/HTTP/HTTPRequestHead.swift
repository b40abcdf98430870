/// A parsed request line and its header fields. `target`, `path` and `query` are raw
/// (still percent-encoded): decoding is the consumer's choice (`PercentDecoding`,
/// `QueryString`, `StaticPath`), done once, where its meaning is known.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    /// As sent: origin-form `/a?b`, absolute-form `http://host/a?b`, or `*`.
    public var target: String
    /// The path of the target without its query; `/` for an absolute-form target without one,
    /// `*` for the asterisk-form.
    public var path: String
    /// What follows the first `?`, without it; nil when there is no `?`.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: HTTPMethod, target: String, path: String, query: String?,
                version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
    }

    /// Whether the connection stays open after this exchange (RFC 9112 §9.3): HTTP/1.1 unless
    /// `Connection: close`, HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool {
        if headers.hasToken("close", in: "Connection") { return false }
        if version == .http1_0 { return headers.hasToken("keep-alive", in: "Connection") }
        return true
    }

    /// The declared body length; nil without a Content-Length field. The parser refused
    /// conflicting or malformed values, so the first one is the only one.
    public var contentLength: Int? {
        guard let value = headers.first("Content-Length") else { return nil }
        return HTTPRequestHead.parseContentLength(value)
    }

    /// A single `Transfer-Encoding: chunked` (the parser refuses every other coding).
    public var isChunked: Bool {
        var chunked = false
        for field in headers.fields where HTTPGrammar.equalsIgnoringCase(field.name, "Transfer-Encoding") {
            if chunked { return false }
            guard HTTPGrammar.equalsIgnoringCase(field.value, "chunked") else { return false }
            chunked = true
        }
        return chunked
    }

    /// `Expect: 100-continue` on an HTTP/1.1 request: the client waits for `100 Continue`
    /// (or a final status) before sending the body. HTTP/1.0 clients cannot mean it.
    public var expectsContinue: Bool {
        guard version != .http1_0, let expect = headers.first("Expect") else { return false }
        return HTTPGrammar.equalsIgnoringCase(expect, "100-continue")
    }

    public var host: String? { headers.first("Host") }

    /// Body length implied by the framing: the Content-Length, 0 without one, nil for chunked.
    public var bodyLengthIfFixed: Int? { isChunked ? nil : (contentLength ?? 0) }

    /// Digits only (a list of equal values such as `5, 5` is taken as `5`); saturates at
    /// `Int.max` so that absurd values compare as too large instead of failing to parse.
    static func parseContentLength(_ value: String) -> Int? {
        var value = value
        return value.withUTF8 { parseContentLength(UnsafeRawBufferPointer($0)) }
    }

    static func parseContentLength(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var result: Int?
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != HTTPGrammar.comma { end += 1 }
            let element = HTTPGrammar.trimmingWhitespace(bytes, start..<end)
            guard !element.isEmpty else { return nil }
            var number = 0
            for i in element {
                let byte = bytes[i]
                guard HTTPGrammar.isDigit(byte) else { return nil }
                let (times10, o1) = number.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(byte - HTTPGrammar.zero))
                number = o1 || o2 ? Int.max : sum
            }
            guard result == nil || result == number else { return nil }
            result = number
            start = end + 1
        }
        return result
    }
}
