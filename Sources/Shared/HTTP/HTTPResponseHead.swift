/// Status line and header fields of a response, encoded as HTTP/1.1.
///
/// Names and values are written as given except for bytes that could end the line or the head
/// early: CR, LF and NUL are dropped from values, and anything but `tchar` from names, so text
/// that reached a header from a request (a file name, a redirect target) cannot inject fields.
public struct HTTPResponseHead: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.headers = headers
    }

    public func encode(into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "HTTP/1.1 ".utf8)
        Self.appendDecimal(status.code, to: &buffer)
        buffer.append(HTTPGrammar.space)
        buffer.append(contentsOf: status.reasonPhrase.utf8)
        buffer.append(HTTPGrammar.cr)
        buffer.append(HTTPGrammar.lf)
        for field in headers.fields {
            Self.appendSanitized(field.name, to: &buffer, keep: HTTPGrammar.isTchar)
            buffer.append(HTTPGrammar.colon)
            buffer.append(HTTPGrammar.space)
            Self.appendSanitized(field.value, to: &buffer) { $0 != HTTPGrammar.cr && $0 != HTTPGrammar.lf && $0 != 0 }
            buffer.append(HTTPGrammar.cr)
            buffer.append(HTTPGrammar.lf)
        }
        buffer.append(HTTPGrammar.cr)
        buffer.append(HTTPGrammar.lf)
    }

    public func encoded() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 + headers.fields.count * 40)
        encode(into: &buffer)
        return buffer
    }

    @inline(__always)
    private static func appendSanitized(_ text: String, to buffer: inout [UInt8], keep: (UInt8) -> Bool) {
        var clean = true
        for byte in text.utf8 where !keep(byte) { clean = false; break }
        if clean {
            buffer.append(contentsOf: text.utf8)
        } else {
            for byte in text.utf8 where keep(byte) { buffer.append(byte) }
        }
    }

    /// Status codes are three digits; anything odder is still written without trapping.
    static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        guard value >= 0 else {
            buffer.append(contentsOf: String(value).utf8)
            return
        }
        if value >= 10 { appendDecimal(value / 10, to: &buffer) }
        buffer.append(HTTPGrammar.zero + UInt8(value % 10))
    }
}

/// Whole small responses in one buffer, ready to write.
public enum HTTPResponse {
    /// Head and body with `Content-Length` and `Connection` set. `contentType` nil leaves the
    /// field out. `headOnly` (answers to HEAD) keeps the length of `body` but leaves the bytes
    /// out. Statuses that cannot have a body (1xx, 204, 304) get neither body nor length.
    public static func simple(status: HTTPStatus, contentType: String? = nil, body: [UInt8] = [],
                              keepAlive: Bool, extraHeaders: HTTPHeaders = HTTPHeaders(),
                              headOnly: Bool = false) -> [UInt8] {
        var headers = HTTPHeaders()
        headers.reserveCapacity(extraHeaders.count + 3)
        if status.allowsBody {
            if let contentType { headers.add(name: "Content-Type", value: contentType) }
            headers.add(name: "Content-Length", value: String(body.count))
        }
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        for field in extraHeaders.fields { headers.add(name: field.name, value: field.value) }

        var buffer: [UInt8] = []
        let sendsBody = status.allowsBody && !headOnly
        buffer.reserveCapacity(128 + extraHeaders.count * 48 + (sendsBody ? body.count : 0))
        HTTPResponseHead(status: status, headers: headers).encode(into: &buffer)
        if sendsBody { buffer.append(contentsOf: body) }
        return buffer
    }

    /// A plain-text answer to a request that failed to parse; the connection is closed after it.
    public static func error(_ error: HTTPParseError) -> [UInt8] {
        simple(status: error.status, contentType: "text/plain; charset=utf-8",
               body: Array("\(error.status.code) \(error.status.reasonPhrase): \(error.reason)\n".utf8),
               keepAlive: false)
    }
}
