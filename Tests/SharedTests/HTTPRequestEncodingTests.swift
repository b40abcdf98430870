import Testing
@testable import Shared

private func parse(_ bytes: [UInt8]) -> (HTTPRequestHead, Int)? {
    var parser = HTTPRequestHeadParser()
    let result = bytes.withUnsafeBytes { parser.parse($0, limits: HTTPLimits()) }
    guard case .complete(let head, let length) = result else { return nil }
    return (head, length)
}

@Suite struct HTTPRequestEncodingTests {
    @Test func postRoundTrips() throws {
        let raw = "POST /socket.io/?EIO=3&transport=polling&sid=AAbc HTTP/1.1\r\nHost: x\r\nOrigin: http://a\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 5\r\n\r\n"
        let (head, length) = try #require(parse(Array(raw.utf8)))
        #expect(length == raw.utf8.count)
        let encoded = head.encodedRequest(body: Array("1:2ab".utf8.prefix(5)))
        let (again, againLength) = try #require(parse(encoded))
        #expect(again.method == .post)
        #expect(again.target == head.target)
        #expect(again.path == "/socket.io/")
        #expect(again.query == "EIO=3&transport=polling&sid=AAbc")
        #expect(again.headers.first("Origin") == "http://a")
        #expect(again.contentLength == 5)
        #expect(Array(encoded[againLength...]) == Array("1:2ab".utf8))
    }

    @Test func chunkedBodyGetsItsLengthAndExpectIsDropped() throws {
        let raw = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
        let (head, _) = try #require(parse(Array(raw.utf8)))
        let encoded = head.encodedRequest(body: Array("hello".utf8))
        let (again, length) = try #require(parse(encoded))
        #expect(!again.isChunked)
        #expect(!again.expectsContinue)
        #expect(again.contentLength == 5)
        #expect(Array(encoded[length...]) == Array("hello".utf8))
    }

    @Test func getWithoutBodyStaysWithoutLength() throws {
        let raw = "GET /socket.io/?EIO=4&transport=polling&sid=AAx HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"
        let (head, _) = try #require(parse(Array(raw.utf8)))
        let encoded = head.encodedRequest(body: [])
        #expect(String(decoding: encoded, as: UTF8.self) == raw)
    }

    @Test func http10KeepsItsVersion() throws {
        let raw = "GET /a HTTP/1.0\r\nHost: x\r\n\r\n"
        let (head, _) = try #require(parse(Array(raw.utf8)))
        #expect(String(decoding: head.encodedRequest(body: []), as: UTF8.self) == raw)
    }
}
