/// One part of a multipart/form-data body. Its data is a range of the body, so a large upload
/// is never copied by the parser.
public struct MultipartPart: Sendable {
    /// The `name` of the `Content-Disposition: form-data` field.
    public var name: String
    /// `filename` (or a UTF-8 `filename*`); present, maybe empty, for file inputs. As sent:
    /// never use it as a path without sanitising it.
    public var filename: String?
    /// The part's `Content-Type`, as sent.
    public var contentType: String?
    public var headers: HTTPHeaders
    /// Offsets of the part's data within the body that was parsed.
    public var dataRange: Range<Int>

    public init(name: String, filename: String?, contentType: String?, headers: HTTPHeaders, dataRange: Range<Int>) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.headers = headers
        self.dataRange = dataRange
    }

    /// The data, as a view into `body` (the same bytes that were parsed).
    public func data(in body: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: body[dataRange])
    }

    public func bytes(in body: UnsafeRawBufferPointer) -> [UInt8] { Array(data(in: body)) }

    /// The data as text for ordinary form fields; nil if it is not valid UTF-8.
    public func text(in body: UnsafeRawBufferPointer) -> String? {
        String(validating: data(in: body), as: UTF8.self)
    }
}

/// multipart/form-data bodies (RFC 7578 on RFC 2046 §5.1): preamble and epilogue ignored,
/// CRLF line breaks required, every part named by `Content-Disposition: form-data; name=…`.
/// Quoted parameter values may use `\` escapes; browsers' `%22` for a quote in a name is left
/// as sent (a client may mean it literally).
public enum MultipartFormData {
    public static func parse(body: UnsafeRawBufferPointer, boundary: String,
                             limits: HTTPLimits = HTTPLimits()) -> Result<[MultipartPart], HTTPParseError> {
        let boundaryBytes = Array(boundary.utf8)
        guard (1...70).contains(boundaryBytes.count),
              boundaryBytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), boundaryBytes.last != HTTPGrammar.space else {
            return .failure(.badRequest("invalid multipart boundary"))
        }
        // CRLF "--" boundary: what ends each part's data.
        let delimiter = [HTTPGrammar.cr, HTTPGrammar.lf, HTTPGrammar.hyphen, HTTPGrammar.hyphen] + boundaryBytes
        return delimiter.withUnsafeBytes { delimiter in
            Parser(body: body, delimiter: delimiter, limits: limits).parse()
        }
    }

    private struct Parser {
        let body: UnsafeRawBufferPointer
        let delimiter: UnsafeRawBufferPointer
        let limits: HTTPLimits

        func parse() -> Result<[MultipartPart], HTTPParseError> {
            // The first boundary may open the body (no CRLF before it) or follow a preamble.
            let dashBoundary = UnsafeRawBufferPointer(rebasing: delimiter[2...])
            var position: Int
            if starts(with: dashBoundary, at: 0) {
                position = dashBoundary.count
            } else if let found = find(delimiter, from: 0) {
                position = found + delimiter.count
            } else {
                return .failure(.badRequest("multipart body without its boundary"))
            }

            var parts: [MultipartPart] = []
            while true {
                if body.count - position >= 2 && body[position] == HTTPGrammar.hyphen && body[position + 1] == HTTPGrammar.hyphen {
                    return .success(parts)
                }
                while position < body.count, HTTPGrammar.isWhitespace(body[position]) { position += 1 }
                guard position + 1 < body.count else { return .failure(truncated) }
                guard body[position] == HTTPGrammar.cr, body[position + 1] == HTTPGrammar.lf else {
                    return .failure(.badRequest("malformed multipart boundary line"))
                }
                position += 2
                guard parts.count < limits.maxMultipartParts else {
                    return .failure(.badRequest("too many multipart parts: more than \(limits.maxMultipartParts)"))
                }

                let headers: HTTPHeaders
                switch parseHeaders(from: &position) {
                case .success(let parsed): headers = parsed
                case .failure(let error): return .failure(error)
                }
                guard let dataEnd = find(delimiter, from: position) else { return .failure(truncated) }
                switch describe(headers: headers, data: position..<dataEnd) {
                case .success(let part): parts.append(part)
                case .failure(let error): return .failure(error)
                }
                position = dataEnd + delimiter.count
            }
        }

        private var truncated: HTTPParseError { .badRequest("multipart body truncated: closing boundary missing") }

        /// Header lines up to and including the empty line; `position` ends at the data.
        private func parseHeaders(from position: inout Int) -> Result<HTTPHeaders, HTTPParseError> {
            var headers = HTTPHeaders()
            let headStart = position
            while true {
                var lineEnd = position
                while lineEnd + 1 < body.count, lineEnd - headStart < limits.maxMultipartPartHead,
                      !(body[lineEnd] == HTTPGrammar.cr && body[lineEnd + 1] == HTTPGrammar.lf) {
                    lineEnd += 1
                }
                if lineEnd + 2 - headStart > limits.maxMultipartPartHead {
                    return .failure(.badRequest("multipart part header too large: more than \(limits.maxMultipartPartHead) bytes"))
                }
                guard lineEnd + 1 < body.count else { return .failure(truncated) }
                if lineEnd == position {
                    position += 2
                    return .success(headers)
                }
                guard let field = parseField(position..<lineEnd) else {
                    return .failure(.badRequest("malformed multipart part header line"))
                }
                headers.add(name: field.name, value: field.value)
                position = lineEnd + 2
            }
        }

        private func parseField(_ line: Range<Int>) -> (name: String, value: String)? {
            var colon = line.lowerBound
            while colon < line.upperBound, HTTPGrammar.isTchar(body[colon]) { colon += 1 }
            guard colon > line.lowerBound, colon < line.upperBound, body[colon] == HTTPGrammar.colon else { return nil }
            let value = HTTPGrammar.trimmingWhitespace(body, (colon + 1)..<line.upperBound)
            for i in value where body[i] < 0x20 && body[i] != HTTPGrammar.tab || body[i] == 0x7F { return nil }
            return (HTTPGrammar.string(body, line.lowerBound..<colon), HTTPGrammar.string(body, value))
        }

        private func describe(headers: HTTPHeaders, data: Range<Int>) -> Result<MultipartPart, HTTPParseError> {
            guard let disposition = headers.first("Content-Disposition") else {
                return .failure(.badRequest("multipart part without Content-Disposition"))
            }
            var dispositionValue = disposition
            let parsed = dispositionValue.withUTF8 { bytes -> (isFormData: Bool, parameters: [(name: String, value: String)]?) in
                let raw = UnsafeRawBufferPointer(bytes)
                var end = 0
                while end < raw.count, HTTPGrammar.isTchar(raw[end]) { end += 1 }
                let isFormData = HTTPGrammar.equalsIgnoringCase(HTTPGrammar.string(raw, 0..<end), "form-data")
                return (isFormData, HTTPHeaderParameters.parse(raw, from: end))
            }
            guard parsed.isFormData, let parameters = parsed.parameters else {
                return .failure(.badRequest("multipart part is not 'Content-Disposition: form-data'"))
            }
            func parameter(_ name: String) -> String? {
                for p in parameters where p.name == name { return p.value }
                return nil
            }
            guard let name = parameter("name") else {
                return .failure(.badRequest("multipart part without a name"))
            }
            let filename = parameter("filename*").flatMap(Self.decodeExtendedValue) ?? parameter("filename")
            return .success(MultipartPart(name: name, filename: filename, contentType: headers.first("Content-Type"),
                                          headers: headers, dataRange: data))
        }

        /// RFC 8187 `UTF-8''%E2%82%AC.txt`; other charsets are ignored (nil).
        private static func decodeExtendedValue(_ value: String) -> String? {
            let bytes = Array(value.utf8)
            guard let firstQuote = bytes.firstIndex(of: UInt8(ascii: "'")),
                  let secondQuote = bytes[(firstQuote + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
            let charset = String(decoding: bytes[..<firstQuote], as: UTF8.self)
            guard HTTPGrammar.equalsIgnoringCase(charset, "utf-8") else { return nil }
            return bytes[(secondQuote + 1)...].withUnsafeBytes { raw in
                PercentDecoding.decode(raw, plusIsSpace: false).flatMap { String(validating: $0, as: UTF8.self) }
            }
        }

        private func starts(with needle: UnsafeRawBufferPointer, at offset: Int) -> Bool {
            guard body.count - offset >= needle.count else { return false }
            for i in 0..<needle.count where body[offset + i] != needle[i] { return false }
            return true
        }

        /// First occurrence of `needle` (which starts with CR) at or after `from`.
        private func find(_ needle: UnsafeRawBufferPointer, from: Int) -> Int? {
            let last = body.count - needle.count
            var i = from
            let first = needle[0]
            while i <= last {
                if body[i] == first && starts(with: needle, at: i) { return i }
                i += 1
            }
            return nil
        }
    }
}
