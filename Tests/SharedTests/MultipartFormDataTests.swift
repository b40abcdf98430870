import Testing
@testable import Shared

private func parse(_ body: [UInt8], boundary: String, limits: HTTPLimits = HTTPLimits()) -> Result<[MultipartPart], HTTPParseError> {
    body.withUnsafeBytes { MultipartFormData.parse(body: $0, boundary: boundary, limits: limits) }
}

private func failure(_ body: String, boundary: String = "XyZ", limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    if case .failure(let error) = parse(Array(body.utf8), boundary: boundary, limits: limits) { return error }
    return nil
}

private func crlf(_ lines: [String]) -> String { lines.joined(separator: "\r\n") }

@Suite struct MultipartFormDataTests {
    static let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    /// Binary image bytes holding CRLF, `--`, and a near-miss of the delimiter.
    static let fileBytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF]
        + Array("\r\n--".utf8) + Array("\r\n------WebKitFormBoundary7MA4YWxkTrZu0g".utf8) + [0x0D, 0x0A, 0x0D, 0x0A, 0x2D]

    static func uploadBody() -> (body: [UInt8], fileRange: Range<Int>) {
        let b = boundary
        var body = Array(crlf([
            "--\(b)",
            "Content-Disposition: form-data; name=\"api_token\"",
            "",
            "abcdefghij",
            "--\(b)",
            "content-disposition: form-data; name=\"roomid\"",
            "",
            "1",
            "--\(b)",
            "Content-Disposition: form-data; name=\"file\"; filename=\"photo.png\"",
            "Content-Type: image/png",
            "",
            "",
        ]).utf8)
        let start = body.count
        body += fileBytes
        let range = start..<body.count
        body += Array("\r\n--\(b)--\r\n".utf8)
        return (body, range)
    }

    @Test func twoFieldsAndAFile() throws {
        let (body, fileRange) = Self.uploadBody()
        let parts = try parse(body, boundary: Self.boundary).get()
        #expect(parts.count == 3)
        #expect(parts.map(\.name) == ["api_token", "roomid", "file"])
        #expect(parts.map(\.filename) == [nil, nil, "photo.png"])
        #expect(parts.map(\.contentType) == [nil, nil, "image/png"])
        body.withUnsafeBytes { raw in
            #expect(parts[0].text(in: raw) == "abcdefghij")
            #expect(parts[1].text(in: raw) == "1")
            #expect(parts[2].bytes(in: raw) == Self.fileBytes)
        }
        #expect(parts[2].dataRange == fileRange)
        #expect(parts[2].headers.count == 2)
        #expect(parts[1].headers.first("Content-Disposition") == "form-data; name=\"roomid\"")
    }

    @Test func preambleAndEpilogueIgnored() throws {
        let body = crlf([
            "This is a preamble.", "--XyZ", "Content-Disposition: form-data; name=a", "", "1",
            "--XyZ", "Content-Disposition: form-data; name=b", "", "", "--XyZ--", "epilogue --XyZ junk",
        ])
        let parts = try parse(Array(body.utf8), boundary: "XyZ").get()
        #expect(parts.map(\.name) == ["a", "b"])
        Array(body.utf8).withUnsafeBytes { raw in
            #expect(parts[0].text(in: raw) == "1")
            #expect(parts[1].text(in: raw) == "")
        }
    }

    @Test func transportPaddingAfterBoundary() throws {
        let body = "--XyZ \t\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n--XyZ--"
        let parts = try parse(Array(body.utf8), boundary: "XyZ").get()
        #expect(parts.count == 1)
        #expect(parts[0].dataRange.count == 1)
    }

    @Test func noParts() throws {
        #expect(try parse(Array("--XyZ--\r\n".utf8), boundary: "XyZ").get().isEmpty)
    }

    @Test func quotedNamesWithEscapes() throws {
        let body = crlf([
            "--XyZ",
            #"Content-Disposition: form-data; name="a \"quoted\" name"; filename="x\\y;z.txt""#,
            "", "data", "--XyZ--",
        ])
        let parts = try parse(Array(body.utf8), boundary: "XyZ").get()
        #expect(parts[0].name == #"a "quoted" name"#)
        #expect(parts[0].filename == #"x\y;z.txt"#)
    }

    @Test func emptyFilenameAndUTF8Filename() throws {
        let body = crlf([
            "--XyZ", #"Content-Disposition: form-data; name="file"; filename="""#, "Content-Type: application/octet-stream", "", "",
            "--XyZ", #"Content-Disposition: form-data; name="f2"; filename="头像.png""#, "", "x",
            "--XyZ", #"Content-Disposition: form-data; name="f3"; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#, "", "y",
            "--XyZ--",
        ])
        let parts = try parse(Array(body.utf8), boundary: "XyZ").get()
        #expect(parts.map(\.filename) == ["", "头像.png", "€ rates.txt"])
        #expect(parts[0].dataRange.isEmpty)
    }

    @Test func quotedBoundaryFromContentType() throws {
        let header = try #require(ContentTypeHeader.parse(#"multipart/form-data; boundary="a b:c""#))
        let boundary = try #require(header.boundary)
        #expect(boundary == "a b:c")
        let body = "--a b:c\r\nContent-Disposition: form-data; name=q\r\n\r\nok\r\n--a b:c--"
        #expect(try parse(Array(body.utf8), boundary: boundary).get().map(\.name) == ["q"])
    }

    @Test func malformedBodies() {
        let cases: [(String, String)] = [
            ("no boundary at all", "multipart body without its boundary"),
            ("--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue without end", "multipart body truncated: closing boundary missing"),
            ("--XyZ\r\nContent-Disposition: form-data; name=a\r\n", "multipart body truncated: closing boundary missing"),
            ("--XyZ", "multipart body truncated: closing boundary missing"),
            ("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", "multipart part without Content-Disposition"),
            ("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nx\r\n--XyZ--", "multipart part is not 'Content-Disposition: form-data'"),
            ("--XyZ\r\nContent-Disposition: form-data; filename=a\r\n\r\nx\r\n--XyZ--", "multipart part without a name"),
            ("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--", "multipart part is not 'Content-Disposition: form-data'"),
            ("--XyZjunk\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--", "malformed multipart boundary line"),
            ("--XyZ\r\nNo colon here\r\n\r\nx\r\n--XyZ--", "malformed multipart part header line"),
            ("--XyZ\r\nX : y\r\n\r\nx\r\n--XyZ--", "malformed multipart part header line"),
            ("--XyZ\nContent-Disposition: form-data; name=a\n\nx\n--XyZ--", "malformed multipart boundary line"),
        ]
        for (body, reason) in cases {
            let error = failure(body)
            #expect(error?.status.code == 400, "\(body.debugDescription)")
            #expect(error?.reason == reason, "\(body.debugDescription)")
        }
    }

    @Test func invalidBoundaries() {
        #expect(failure("--\r\n", boundary: "")?.reason == "invalid multipart boundary")
        #expect(failure("x", boundary: String(repeating: "b", count: 71))?.status.code == 400)
        #expect(failure("x", boundary: "ab\r\n")?.status.code == 400)
        #expect(failure("x", boundary: "trailing ")?.status.code == 400)
        let seventy = String(repeating: "b", count: 70)
        #expect(failure("--\(seventy)--", boundary: seventy) == nil)
    }

    @Test func partCountLimit() {
        let part = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n"
        let limits = HTTPLimits(maxMultipartParts: 2)
        #expect(failure(part + part + "--XyZ--", limits: limits) == nil)
        let error = failure(part + part + part + "--XyZ--", limits: limits)
        #expect(error?.status.code == 400)
        #expect(error?.reason == "too many multipart parts: more than 2")
        let defaultLimit = failure(String(repeating: part, count: 33) + "--XyZ--")
        #expect(defaultLimit?.reason == "too many multipart parts: more than 32")
    }

    @Test func partHeaderLimit() {
        let limits = HTTPLimits(maxMultipartPartHead: 64)
        let small = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\nx\r\n--XyZ--"
        #expect(failure(small, limits: limits) == nil)
        let big = "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Pad: \(String(repeating: "p", count: 64))\r\n\r\nx\r\n--XyZ--"
        #expect(failure(big, limits: limits)?.reason == "multipart part header too large: more than 64 bytes")
        let endless = "--XyZ\r\nX-Pad: " + String(repeating: "p", count: 10_000)
        #expect(failure(endless, limits: limits)?.status.code == 400)
    }
}

@Suite struct ContentTypeHeaderTests {
    @Test func mediaTypeAndParameters() throws {
        let h = try #require(ContentTypeHeader.parse("Multipart/Form-Data; boundary=----WebKitFormBoundaryABC"))
        #expect(h.mediaType == "multipart/form-data")
        #expect(h.boundary == "----WebKitFormBoundaryABC")
        #expect(h.charset == nil)
        #expect(h.hasMediaType("multipart/form-data"))
    }

    @Test func charsetAndSpacing() throws {
        let h = try #require(ContentTypeHeader.parse("application/json;charset=UTF-8"))
        #expect(h.mediaType == "application/json")
        #expect(h.charset == "utf-8")
        let spaced = try #require(ContentTypeHeader.parse("  text/plain ;  Charset = \"utf-8\" ; format=flowed  "))
        #expect(spaced.mediaType == "text/plain")
        #expect(spaced.charset == "utf-8")
        #expect(spaced.parameter("FORMAT") == "flowed")
        #expect(spaced.parameters.map(\.name) == ["charset", "format"])
    }

    @Test func quotedValuesWithEscapes() throws {
        let h = try #require(ContentTypeHeader.parse(#"multipart/form-data; boundary="we\"ird;one"; x=1"#))
        #expect(h.boundary == #"we"ird;one"#)
        #expect(h.parameter("x") == "1")
    }

    @Test func unquotedBoundaryWithSpecials() throws {
        let h = try #require(ContentTypeHeader.parse("multipart/form-data; boundary=abc/def=+"))
        #expect(h.boundary == "abc/def=+")
    }

    @Test func malformed() {
        #expect(ContentTypeHeader.parse("") == nil)
        #expect(ContentTypeHeader.parse("text") == nil)
        #expect(ContentTypeHeader.parse("text/") == nil)
        #expect(ContentTypeHeader.parse("/plain") == nil)
        #expect(ContentTypeHeader.parse("text/plain garbage") == nil)
        #expect(ContentTypeHeader.parse(#"text/plain; charset="utf-8"#) == nil)
    }

    @Test func strayWordsSkipped() throws {
        let h = try #require(ContentTypeHeader.parse("text/plain; ; weird; charset=utf-8"))
        #expect(h.charset == "utf-8")
    }
}
