import Testing
@testable import Shared

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite struct HTTPResponseHeadTests {
    @Test func encodesStatusLineAndHeadersInOrder() {
        let head = HTTPResponseHead(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8",
                                                           "Content-Length": "2", "Set-Cookie": "a=1", "set-cookie": "b=2"])
        #expect(text(head.encoded()) == "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 2\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n")
    }

    @Test func encodeAppendsToExistingBuffer() {
        var buffer = Array("prefix".utf8)
        HTTPResponseHead(status: .notFound).encode(into: &buffer)
        #expect(text(buffer) == "prefixHTTP/1.1 404 Not Found\r\n\r\n")
    }

    @Test func switchingProtocols() {
        let head = HTTPResponseHead(status: .switchingProtocols, headers: [
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
        ])
        #expect(text(head.encoded()) == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    @Test func headerInjectionIsStripped() {
        let head = HTTPResponseHead(status: .found, headers: [
            "Location": "/x\r\nSet-Cookie: evil=1", "Bad Name:\r\n": "v\0al\n",
        ])
        #expect(text(head.encoded()) == "HTTP/1.1 302 Found\r\nLocation: /xSet-Cookie: evil=1\r\nBadName: val\r\n\r\n")
    }

    @Test func nonASCIIValuesPassThrough() {
        let head = HTTPResponseHead(status: .ok, headers: ["X-Room": "聊天室"])
        #expect(text(head.encoded()) == "HTTP/1.1 200 OK\r\nX-Room: 聊天室\r\n\r\n")
    }

    @Test func unknownStatusCodes() {
        #expect(text(HTTPResponseHead(status: HTTPStatus(code: 418)).encoded()) == "HTTP/1.1 418 Client Error\r\n\r\n")
        #expect(text(HTTPResponseHead(status: HTTPStatus(code: 599)).encoded()) == "HTTP/1.1 599 Server Error\r\n\r\n")
    }

    @Test func reasonPhrases() {
        let expected: [Int: String] = [
            101: "Switching Protocols", 200: "OK", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently",
            302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout", 413: "Content Too Large",
            414: "URI Too Long", 415: "Unsupported Media Type", 426: "Upgrade Required", 429: "Too Many Requests",
            431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented",
            503: "Service Unavailable", 505: "HTTP Version Not Supported",
        ]
        for (code, phrase) in expected {
            #expect(HTTPStatus(code: code).reasonPhrase == phrase, "\(code)")
        }
        #expect(HTTPStatus.payloadTooLarge.code == 413)
        #expect(HTTPStatus.requestHeaderFieldsTooLarge.code == 431)
        #expect(HTTPStatus.httpVersionNotSupported.description == "505 HTTP Version Not Supported")
    }

    @Test func simpleResponse() {
        let bytes = HTTPResponse.simple(status: .ok, contentType: "text/plain; charset=utf-8",
                                        body: Array("hello".utf8), keepAlive: true)
        #expect(text(bytes) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello")
    }

    @Test func simpleResponseWithExtraHeadersAndClose() {
        let bytes = HTTPResponse.simple(status: .notFound, contentType: "application/json", body: Array("{}".utf8),
                                        keepAlive: false, extraHeaders: ["Cache-Control": "no-store", "Date": "Thu, 01 Jan 1970 00:00:00 GMT"])
        #expect(text(bytes) == "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\nCache-Control: no-store\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n\r\n{}")
    }

    @Test func simpleResponseEmptyBodyAndHeadOnly() {
        #expect(text(HTTPResponse.simple(status: .ok, keepAlive: true)) == "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
        let head = HTTPResponse.simple(status: .ok, contentType: "text/html; charset=utf-8", body: Array("<p>hi</p>".utf8),
                                       keepAlive: true, headOnly: true)
        #expect(text(head) == "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 9\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func statusesWithoutBody() {
        #expect(text(HTTPResponse.simple(status: .noContent, contentType: "text/plain", body: Array("x".utf8), keepAlive: true))
                == "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n")
        #expect(text(HTTPResponse.simple(status: .notModified, body: Array("x".utf8), keepAlive: false, extraHeaders: ["ETag": "\"1\""]))
                == "HTTP/1.1 304 Not Modified\r\nConnection: close\r\nETag: \"1\"\r\n\r\n")
    }

    @Test func errorResponse() {
        let bytes = HTTPResponse.error(HTTPParseError(.requestHeaderFieldsTooLarge, "too many header fields: more than 100"))
        let body = "431 Request Header Fields Too Large: too many header fields: more than 100\n"
        #expect(text(bytes) == "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body)
    }
}
