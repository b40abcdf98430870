import Testing
@testable import Shared

/// Outcome of one parse in a form tests can compare.
private enum Outcome: Equatable {
    case needMore
    case complete(headLength: Int)
    case failure(status: Int)
}

private func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPHeadParseResult {
    var parser = HTTPRequestHeadParser()
    return Array(text.utf8).withUnsafeBytes { parser.parse($0, limits: limits) }
}

private func parseBytes(_ bytes: [UInt8], limits: HTTPLimits = HTTPLimits()) -> HTTPHeadParseResult {
    var parser = HTTPRequestHeadParser()
    return bytes.withUnsafeBytes { parser.parse($0, limits: limits) }
}

private func outcome(_ result: HTTPHeadParseResult) -> Outcome {
    switch result {
    case .needMore: return .needMore
    case .complete(_, let length): return .complete(headLength: length)
    case .failure(let error): return .failure(status: error.status.code)
    }
}

private func head(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPRequestHead? {
    if case .complete(let head, let length) = parse(text, limits: limits), length == text.utf8.count { return head }
    return nil
}

private func error(_ text: String, limits: HTTPLimits = HTTPLimits()) -> HTTPParseError? {
    if case .failure(let error) = parse(text, limits: limits) { return error }
    return nil
}

private func errorBytes(_ bytes: [UInt8]) -> HTTPParseError? {
    if case .failure(let error) = parseBytes(bytes) { return error }
    return nil
}

@Suite struct HTTPRequestHeadParserGoodRequests {
    @Test func getWithQuery() throws {
        let text = "GET /api/history/message?total=0&current=1&roomid=1 HTTP/1.1\r\nHost: webchats.test\r\nAccept: */*\r\n\r\n"
        let h = try #require(head(text))
        #expect(h.method == .get)
        #expect(h.target == "/api/history/message?total=0&current=1&roomid=1")
        #expect(h.path == "/api/history/message")
        #expect(h.query == "total=0&current=1&roomid=1")
        #expect(h.version == .http1_1)
        #expect(h.headers.count == 2)
        #expect(h.headers[0].name == "Host")
        #expect(h.headers[0].value == "webchats.test")
        #expect(h.host == "webchats.test")
        #expect(h.keepAlive)
        #expect(h.contentLength == nil)
        #expect(!h.isChunked)
        #expect(h.bodyLengthIfFixed == 0)
    }

    @Test func emptyQueryAndNoQuery() throws {
        let withMark = try #require(head("GET /a? HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(withMark.path == "/a")
        #expect(withMark.query == "")
        let without = try #require(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(without.path == "/")
        #expect(without.query == nil)
    }

    @Test func postWithContentLengthReportsExactHeadLength() throws {
        let headText = "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n"
        let text = headText + "{\"name\":\"a\"}\n"
        guard case .complete(let h, let length) = parse(text) else { Issue.record("not complete"); return }
        #expect(length == headText.utf8.count)
        #expect(h.method == .post)
        #expect(h.contentLength == 13)
        #expect(h.bodyLengthIfFixed == 13)
        #expect(h.headers.first("content-type") == "application/json")
    }

    @Test func chunkedRequest() throws {
        let h = try #require(head("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"))
        #expect(h.isChunked)
        #expect(h.contentLength == nil)
        #expect(h.bodyLengthIfFixed == nil)
    }

    @Test func knownAndUnknownMethods() throws {
        #expect(try #require(head("PUT / HTTP/1.1\r\nHost: x\r\n\r\n")).method == .put)
        #expect(try #require(head("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n")).method == .delete)
        #expect(try #require(head("PATCH / HTTP/1.1\r\nHost: x\r\n\r\n")).method == .patch)
        #expect(try #require(head("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")).method == .head)
        #expect(try #require(head("PROPFIND / HTTP/1.1\r\nHost: x\r\n\r\n")).method == .other("PROPFIND"))
        // Methods are case-sensitive.
        #expect(try #require(head("get / HTTP/1.1\r\nHost: x\r\n\r\n")).method == .other("get"))
        #expect(HTTPMethod("OPTIONS") == .options)
        #expect(HTTPMethod.other("BREW").rawValue == "BREW")
    }

    @Test func keepAliveSemantics() throws {
        #expect(try #require(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).keepAlive == true)
        #expect(try #require(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")).keepAlive == false)
        #expect(try #require(head("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, Close\r\n\r\n")).keepAlive == false)
        #expect(try #require(head("GET / HTTP/1.0\r\n\r\n")).keepAlive == false)
        #expect(try #require(head("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).keepAlive == true)
        #expect(try #require(head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")).keepAlive == true)
        #expect(try #require(head("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n")).keepAlive == false)
    }

    @Test func connectionTokenList() throws {
        let h = try #require(head("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n"))
        #expect(h.headers.hasToken("upgrade", in: "connection"))
        #expect(h.headers.hasToken("keep-alive", in: "Connection"))
        #expect(!h.headers.hasToken("close", in: "Connection"))
        #expect(!h.headers.hasToken("keep", in: "Connection"))
        #expect(h.headers.hasToken("websocket", in: "Upgrade"))
        #expect(h.keepAlive)
    }

    @Test func headerValuesTrimmedNamesKeepCase() throws {
        let h = try #require(head("GET / HTTP/1.1\r\nHost:x\r\nX-Thing: \t a b \t\r\nSec-WebSocket-Key:   dGhlIHNhbXBsZSBub25jZQ==\r\nEmpty:\r\n\r\n"))
        #expect(h.headers.fields.map(\.name) == ["Host", "X-Thing", "Sec-WebSocket-Key", "Empty"])
        #expect(h.headers.first("x-thing") == "a b")
        #expect(h.headers.first("SEC-WEBSOCKET-KEY") == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(h.headers.first("empty") == "")
        #expect(h.headers.first("missing") == nil)
    }

    @Test func repeatedHeadersKeptInOrder() throws {
        let h = try #require(head("GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\nX: 1\r\naccept: b\r\n\r\n"))
        #expect(h.headers.values("Accept") == ["a", "b"])
        #expect(h.headers.first("ACCEPT") == "a")
    }

    @Test func nonASCIIHeaderValueAccepted() throws {
        let h = try #require(head("GET / HTTP/1.1\r\nHost: x\r\nX-Name: 聊天室\r\n\r\n"))
        #expect(h.headers.first("X-Name") == "聊天室")
    }

    @Test func expectContinue() throws {
        let h = try #require(head("POST /api/file/avatar HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-Continue\r\n\r\n"))
        #expect(h.expectsContinue)
        #expect(try #require(head("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n")).expectsContinue == false)
        #expect(try #require(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).expectsContinue == false)
    }

    @Test func http10WithoutHostIsFine() throws {
        let h = try #require(head("GET /x HTTP/1.0\r\n\r\n"))
        #expect(h.version == .http1_0)
        #expect(h.host == nil)
    }

    @Test func loneLFLineEndings() throws {
        let text = "GET /a HTTP/1.1\nHost: x\nX-Y: z\n\n"
        let h = try #require(head(text))
        #expect(h.path == "/a")
        #expect(h.headers.first("x-y") == "z")
    }

    @Test func mixedLineEndings() throws {
        #expect(head("GET /a HTTP/1.1\r\nHost: x\n\r\n") != nil)
        #expect(head("GET /a HTTP/1.1\nHost: x\r\n\n") != nil)
    }

    @Test func leadingEmptyLinesAreSkippedAndCounted() throws {
        let text = "\r\n\r\n\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        guard case .complete(let h, let length) = parse(text) else { Issue.record("not complete"); return }
        #expect(length == text.utf8.count)
        #expect(h.path == "/a")
    }

    @Test func pipelinedRequests() throws {
        let first = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
        let second = "POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"
        let third = "GET /three?x HTTP/1.1\r\nHost: x\r\n\r\n"
        let bytes = Array((first + second + "abc" + third).utf8)
        var parser = HTTPRequestHeadParser()
        var offset = 0
        var paths: [String] = []
        var lengths: [Int] = []
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[offset...]), limits: HTTPLimits()) }
            guard case .complete(let h, let length) = result else { Issue.record("expected complete at \(offset)"); return }
            paths.append(h.path)
            lengths.append(length)
            offset += length + (h.contentLength ?? 0)
        }
        #expect(paths == ["/one", "/two", "/three"])
        #expect(lengths == [first.utf8.count, second.utf8.count, third.utf8.count])
        #expect(offset == bytes.count)
    }

    @Test func optionsAsterisk() throws {
        let h = try #require(head("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(h.method == .options)
        #expect(h.target == "*")
        #expect(h.path == "*")
        #expect(h.query == nil)
    }

    @Test func absoluteFormTakesItsPath() throws {
        let h = try #require(head("GET http://webchats.test/socket.io/?EIO=3&transport=polling HTTP/1.1\r\nHost: webchats.test\r\n\r\n"))
        #expect(h.target == "http://webchats.test/socket.io/?EIO=3&transport=polling")
        #expect(h.path == "/socket.io/")
        #expect(h.query == "EIO=3&transport=polling")
        let bare = try #require(head("GET HTTPS://example.com:8443 HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(bare.path == "/")
        #expect(bare.query == nil)
        let queryOnly = try #require(head("GET http://h?a=1 HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(queryOnly.path == "/")
        #expect(queryOnly.query == "a=1")
    }

    @Test func duplicateEqualContentLengthsAccepted() throws {
        let h = try #require(head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n"))
        #expect(h.contentLength == 5)
        let list = try #require(head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 7, 7\r\n\r\n"))
        #expect(list.contentLength == 7)
    }

    @Test func bodyExactlyAtLimitAccepted() throws {
        let limits = HTTPLimits(maxBody: 100)
        #expect(head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", limits: limits)?.contentLength == 100)
    }
}

@Suite struct HTTPRequestHeadParserMalformed {
    @Test func badMethodToken() throws {
        let e = try #require(error("G@T / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(e.status == .badRequest)
        #expect(e.reason.contains("method"))
        #expect(error("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error(" GET / HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET\r\n\r\n")?.status.code == 400)
    }

    @Test func targetMustStartWithSlash() throws {
        let e = try #require(error("GET index.html HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(e.status.code == 400)
        #expect(e.reason == "request target must start with '/'")
        #expect(error("GET ftp://x/y HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET http:// HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET http:///path HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
    }

    @Test func asteriskOnlyForOptions() throws {
        let e = try #require(error("GET * HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(e.status.code == 400)
        #expect(e.reason.contains("OPTIONS"))
        #expect(error("OPTIONS *x HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
    }

    @Test func malformedRequestLines() throws {
        #expect(error("GET  / HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET / HTTP/1.1 \r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET /\r\nHost: x\r\n\r\n")?.reason == "missing HTTP version in request line")
        #expect(error("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(errorBytes(Array("GET /\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n".utf8))?.status.code == 400)
        #expect(errorBytes(Array("GET /é HTTP/1.1\r\nHost: x\r\n\r\n".utf8))?.status.code == 400)
    }

    @Test func versions() throws {
        let e = try #require(error("GET / HTTP/2.0\r\nHost: x\r\n\r\n"))
        #expect(e.status == .httpVersionNotSupported)
        #expect(e.status.code == 505)
        #expect(e.reason == "HTTP version not supported: HTTP/2.0")
        #expect(error("GET / HTTP/0.9\r\n\r\n")?.status.code == 505)
        #expect(error("GET / HTTP/1.2\r\nHost: x\r\n\r\n")?.status.code == 505)
        #expect(error("GET / HTTP/1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET / http/1.1\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET / HTTP/1.10\r\nHost: x\r\n\r\n")?.status.code == 400)
        #expect(error("GET / HTTP/11\r\nHost: x\r\n\r\n")?.status.code == 400)
    }

    @Test func whitespaceBeforeColon() throws {
        let e = try #require(error("GET / HTTP/1.1\r\nHost : x\r\n\r\n"))
        #expect(e.status.code == 400)
        #expect(e.reason == "whitespace between header field name and colon")
        #expect(error("GET / HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n")?.status.code == 400)
    }

    @Test func emptyHeaderName() throws {
        let e = try #require(error("GET / HTTP/1.1\r\nHost: x\r\n: value\r\n\r\n"))
        #expect(e.status.code == 400)
        #expect(e.reason == "empty header field name")
    }

    @Test func headerWithoutColonOrBadName() throws {
        #expect(error("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n")?.reason == "header line without a colon")
        #expect(error("GET / HTTP/1.1\r\nHost: x\r\nX(y): 1\r\n\r\n")?.status.code == 400)
        #expect(errorBytes(Array("GET / HTTP/1.1\r\nHost: x\r\nNäme: 1\r\n\r\n".utf8))?.status.code == 400)
    }

    @Test func obsFoldRejected() throws {
        let e = try #require(error("GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  continued\r\n\r\n"))
        #expect(e.status.code == 400)
        #expect(e.reason.contains("obsolete line folding"))
        #expect(error("GET / HTTP/1.1\r\n\tHost: x\r\n\r\n")?.status.code == 400)
    }

    @Test func controlCharactersInValues() throws {
        let nul = try #require(errorBytes(Array("GET / HTTP/1.1\r\nHost: x\r\nX: a".utf8) + [0] + Array("b\r\n\r\n".utf8)))
        #expect(nul.status.code == 400)
        #expect(nul.reason.hasPrefix("NUL byte"))
        let ctl = try #require(error("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{01}b\r\n\r\n"))
        #expect(ctl.status.code == 400)
        #expect(ctl.reason == "control character 0x01 in value of header field 'X'")
        #expect(error("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{7F}\r\n\r\n")?.status.code == 400)
        #expect(error("GET / HTTP/1.1\r\nHost: x\r\nX: a\u{1B}[31m\r\n\r\n")?.status.code == 400)
        // A tab inside a value is allowed.
        #expect(head("GET / HTTP/1.1\r\nHost: x\r\nX: a\tb\r\n\r\n")?.headers.first("X") == "a\tb")
    }

    @Test func bareCR() throws {
        let inValue = try #require(error("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"))
        #expect(inValue.status.code == 400)
        #expect(inValue.reason == "bare CR in request head")
        #expect(error("GET / HTTP/1.1\r\nHost: x\r\nX: ab\r\r\n\r\n")?.reason == "bare CR in request head")
        #expect(error("GET /\r HTTP/1.1\r\nHost: x\r\n\r\n")?.reason == "bare CR in request head")
        #expect(error("GET / HTTP/1.1\r\r\nHost: x\r\n\r\n")?.reason == "bare CR in request head")
        #expect(error("GET / HTTP/1.1\r\nHo\rst: x\r\n\r\n")?.reason == "bare CR in request head")
        #expect(error("\rGET / HTTP/1.1\r\nHost: x\r\n\r\n")?.reason == "bare CR in request head")
    }

    @Test func hostRules() throws {
        let missing = try #require(error("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"))
        #expect(missing.status.code == 400)
        #expect(missing.reason == "missing Host header field")
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n")?.status.code == 400)
    }
}

@Suite struct HTTPRequestHeadParserFraming {
    @Test func contentLengthWithTransferEncodingIsSmuggling() throws {
        let e = try #require(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"))
        #expect(e.status.code == 400)
        #expect(e.reason.contains("Transfer-Encoding and Content-Length"))
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n")?.status.code == 400)
        // Even an unsupported coding next to a length is a framing conflict first.
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n")?.status.code == 400)
    }

    @Test func unsupportedTransferCodings() throws {
        let gzip = try #require(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"))
        #expect(gzip.status == .notImplemented)
        #expect(gzip.reason == "unsupported transfer coding 'gzip, chunked'")
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n")?.status.code == 501)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")?.status.code == 501)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n")?.status.code == 501)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n")?.status.code == 501)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n")?.status.code == 501)
    }

    @Test func transferEncodingInHTTP10() throws {
        #expect(error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")?.status.code == 400)
    }

    @Test func conflictingOrMalformedContentLength() throws {
        let conflict = try #require(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"))
        #expect(conflict.status.code == 400)
        #expect(conflict.reason == "conflicting Content-Length values 5 and 6")
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n")?.status.code == 400)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")?.reason == "invalid Content-Length 'abc'")
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")?.status.code == 400)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n")?.status.code == 400)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n")?.status.code == 400)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n")?.status.code == 400)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n")?.status.code == 400)
        #expect(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5,\r\n\r\n")?.status.code == 400)
    }

    @Test func bodyTooLargeAtHeadTime() throws {
        let e = try #require(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", limits: HTTPLimits(maxBody: 100)))
        #expect(e.status == .payloadTooLarge)
        #expect(e.reason == "request body too large: 101 bytes, limit 100")
        let defaultLimit = try #require(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n"))
        #expect(defaultLimit.status.code == 413)
        let huge = try #require(error("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999\r\n\r\n"))
        #expect(huge.status.code == 413)
    }
}

@Suite struct HTTPRequestHeadParserLimits {
    @Test func requestLineTooLongComplete() throws {
        let target = "/" + String(repeating: "a", count: 8200)
        let e = try #require(error("GET \(target) HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(e.status == .uriTooLong)
        #expect(e.reason == "request line too long: \(4 + target.count + 9) bytes, limit 8192")
    }

    @Test func requestLineTooLongBeforeLF() throws {
        let partial = "GET /" + String(repeating: "a", count: 8200)
        #expect(outcome(parse(partial)) == .failure(status: 414))
        // Just at the limit, still waiting.
        let atLimit = "GET /" + String(repeating: "a", count: 8192 - 5)
        #expect(atLimit.utf8.count == 8192)
        #expect(outcome(parse(atLimit)) == .needMore)
        #expect(outcome(parse(atLimit + "a")) == .failure(status: 414))
        // A CR that may be the start of the line end is not counted.
        #expect(outcome(parse(atLimit + "\r")) == .needMore)
    }

    @Test func requestLineAtLimitAccepted() throws {
        let limits = HTTPLimits(maxRequestLine: 20)
        let line = "GET /abcdef HTTP/1.1"
        #expect(line.utf8.count == 20)
        #expect(head(line + "\r\nHost: x\r\n\r\n", limits: limits) != nil)
        #expect(outcome(parse("GET /abcdefg HTTP/1.1\r\nHost: x\r\n\r\n", limits: limits)) == .failure(status: 414))
    }

    @Test func headTooLargeBeforeBlankLine() throws {
        var text = "GET / HTTP/1.1\r\nHost: x\r\n"
        while text.utf8.count <= 16 * 1024 { text += "X-Filler: " + String(repeating: "f", count: 1000) + "\r\n" }
        let e = try #require(error(text))
        #expect(e.status == .requestHeaderFieldsTooLarge)
        #expect(e.reason == "request header fields too large: more than 16384 bytes")
        // A value that never ends is refused too, with no LF at all in the headers.
        let endless = "GET / HTTP/1.1\r\nX: " + String(repeating: "v", count: 17000)
        #expect(outcome(parse(endless)) == .failure(status: 431))
    }

    @Test func headSizeBoundary() throws {
        let base = "GET / HTTP/1.1\r\nHost: x\r\nX: "
        let limits = HTTPLimits(maxHead: 100)
        let fits = base + String(repeating: "v", count: 100 - base.utf8.count - 4) + "\r\n\r\n"
        #expect(fits.utf8.count == 100)
        #expect(outcome(parse(fits, limits: limits)) == .complete(headLength: 100))
        let over = base + String(repeating: "v", count: 101 - base.utf8.count - 4) + "\r\n\r\n"
        #expect(outcome(parse(over, limits: limits)) == .failure(status: 431))
        // Body bytes after a head that fits do not count against the head.
        #expect(outcome(parse(fits + String(repeating: "b", count: 500), limits: limits)) == .complete(headLength: 100))
    }

    @Test func tooManyHeadersBeforeBlankLine() throws {
        var text = "GET / HTTP/1.1\r\nHost: x\r\n"
        for i in 0..<100 { text += "X-\(i): 1\r\n" }
        let e = try #require(error(text))
        #expect(e.status.code == 431)
        #expect(e.reason == "too many header fields: more than 100")
    }

    @Test func headerCountAtLimitAccepted() throws {
        var text = "GET / HTTP/1.1\r\nHost: x\r\n"
        for i in 0..<99 { text += "X-\(i): 1\r\n" }
        let h = try #require(head(text + "\r\n"))
        #expect(h.headers.count == 100)
        #expect(outcome(parse(text + "One-More: 1\r\n\r\n")) == .failure(status: 431))
    }

    @Test func endlessEmptyLinesRefused() throws {
        #expect(outcome(parse(String(repeating: "\r\n", count: 9000))) == .failure(status: 431))
    }
}

@Suite struct HTTPRequestHeadParserIncremental {
    private static let request = "\r\nPOST /api/login?x=1 HTTP/1.1\r\nHost: webchats.test\r\nContent-Length: 2\r\nX-Empty:\r\n\r\n"

    @Test func byteAtATime() throws {
        let bytes = Array(Self.request.utf8) + Array("{}".utf8)
        var parser = HTTPRequestHeadParser()
        let headLength = Self.request.utf8.count
        for end in 1..<headLength {
            let result = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<end]), limits: HTTPLimits()) }
            #expect(outcome(result) == .needMore, "prefix of \(end) bytes")
        }
        let result = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<headLength]), limits: HTTPLimits()) }
        guard case .complete(let h, let length) = result else { Issue.record("not complete"); return }
        #expect(length == headLength)
        #expect(h.path == "/api/login")
        #expect(h.query == "x=1")
        #expect(h.contentLength == 2)
        #expect(h.headers.count == 3)
    }

    @Test func everySplitPointGivesTheSameHead() throws {
        let bytes = Array(Self.request.utf8)
        for split in 1..<bytes.count {
            var parser = HTTPRequestHeadParser()
            let first = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<split]), limits: HTTPLimits()) }
            #expect(outcome(first) == .needMore)
            let second = bytes.withUnsafeBytes { parser.parse($0, limits: HTTPLimits()) }
            #expect(outcome(second) == .complete(headLength: bytes.count), "split at \(split)")
        }
    }

    @Test func byteAtATimeDetectsLimitsEarly() throws {
        let limits = HTTPLimits(maxRequestLine: 64, maxHead: 256, maxHeaderCount: 3)
        let cases: [(String, Int)] = [
            ("GET /" + String(repeating: "a", count: 100), 414),
            ("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n", 431),
            ("GET / HTTP/1.1\r\nA: " + String(repeating: "a", count: 300), 431),
        ]
        for (text, status) in cases {
            let bytes = Array(text.utf8)
            var parser = HTTPRequestHeadParser()
            var failedAt: Int?
            for end in 1...bytes.count {
                let result = bytes.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<end]), limits: limits) }
                if case .failure(let e) = result {
                    #expect(e.status.code == status)
                    failedAt = end
                    break
                }
            }
            let expected: Int
            switch status {
            case 414: expected = 65    // the byte that makes the line 65 long
            default: expected = text.hasPrefix("GET / HTTP/1.1\r\nA: 1") ? text.utf8.count : 257
            }
            #expect(failedAt == expected, "\(status)")
        }
    }

    @Test func resetsAfterCompleteForTheNextRequest() throws {
        var parser = HTTPRequestHeadParser()
        let a = Array("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let b = Array("GET /bb HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let first = a.withUnsafeBytes { parser.parse($0, limits: HTTPLimits()) }
        #expect(outcome(first) == .complete(headLength: a.count))
        // Half of the next request, then all of it.
        let half = b.withUnsafeBytes { parser.parse(UnsafeRawBufferPointer(rebasing: $0[0..<10]), limits: HTTPLimits()) }
        #expect(outcome(half) == .needMore)
        guard case .complete(let h, _) = b.withUnsafeBytes({ parser.parse($0, limits: HTTPLimits()) }) else {
            Issue.record("not complete"); return
        }
        #expect(h.path == "/bb")
    }

    @Test func shorterBufferStartsOver() throws {
        var parser = HTTPRequestHeadParser()
        let junk = Array("GET /xxxxxxxxxxxxxxxxxxxxx HTTP/1.1\r\nHo".utf8)
        #expect(outcome(junk.withUnsafeBytes { parser.parse($0, limits: HTTPLimits()) }) == .needMore)
        let fresh = Array("GET / HTTP/1.1\r\nHost: y\r\n\r\n".utf8)
        guard case .complete(let h, _) = fresh.withUnsafeBytes({ parser.parse($0, limits: HTTPLimits()) }) else {
            Issue.record("not complete"); return
        }
        #expect(h.host == "y")
    }

    @Test func trickledLargeHeadStaysLinear() throws {
        // 16k calls over a 16 KiB head: quadratic rescanning would touch ~134M bytes here.
        var text = "GET / HTTP/1.1\r\nHost: x\r\n"
        while text.utf8.count < 16 * 1024 - 1100 { text += "X-Filler: " + String(repeating: "f", count: 1000) + "\r\n" }
        text += "\r\n"
        let bytes = Array(text.utf8)
        var parser = HTTPRequestHeadParser()
        var completed = false
        bytes.withUnsafeBytes { all in
            for end in 1...all.count {
                if case .complete(_, let length) = parser.parse(UnsafeRawBufferPointer(rebasing: all[0..<end]), limits: HTTPLimits()) {
                    completed = length == all.count && end == all.count
                }
            }
        }
        #expect(completed)
    }
}

@Suite struct HTTPHeadersTests {
    @Test func lookupsAndEdits() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "Set-Cookie": "a=1"]
        headers.add(name: "set-cookie", value: "b=2")
        #expect(headers.values("Set-Cookie") == ["a=1", "b=2"])
        headers.replaceOrAdd(name: "SET-COOKIE", value: "c=3")
        #expect(headers.values("set-cookie") == ["c=3"])
        #expect(headers.fields.map(\.name) == ["Content-Type", "SET-COOKIE"])
        headers.remove(name: "content-type")
        #expect(headers.count == 1)
        #expect(!headers.contains("Content-Type"))
        #expect(headers == HTTPHeaders([(name: "SET-COOKIE", value: "c=3")]))
    }

    @Test func tokenListsAcrossFields() {
        let headers: HTTPHeaders = ["Connection": "keep-alive", "connection": " , Upgrade ,"]
        #expect(headers.hasToken("UPGRADE", in: "Connection"))
        #expect(headers.hasToken("keep-alive", in: "connection"))
        #expect(!headers.hasToken("close", in: "Connection"))
        #expect(!headers.hasToken("upgrade", in: "Upgrade"))
    }
}
