import Testing
@testable import Shared

private func pairs(_ parameters: QueryParameters) -> [String] { parameters.map { "\($0.name)=\($0.value)" } }

@Suite struct QueryStringTests {
    @Test func historyQuery() {
        let q = QueryString.parse("total=0&current=1&roomid=1&api_token=abc123")
        #expect(pairs(q) == ["total=0", "current=1", "roomid=1", "api_token=abc123"])
        #expect(q.first("roomid") == "1")
        #expect(q.first("api_token") == "abc123")
        #expect(q.first("missing") == nil)
        #expect(q.count == 4)
        #expect(q.malformedCount == 0)
    }

    @Test func engineIOQuery() {
        let q = QueryString.parse("api_token=false&EIO=3&transport=polling&t=N1a2b3c&sid=abc-_DEF")
        #expect(q.first("EIO") == "3")
        #expect(q.first("eio") == nil)
        #expect(q.first("transport") == "polling")
        #expect(q.first("sid") == "abc-_DEF")
    }

    @Test func decodingOfNamesAndValues() {
        let q = QueryString.parse("info=%E4%BD%A0%E5%A5%BD+there&a%5Bb%5D=x%3Dy&plus=1%2B1")
        #expect(q.first("info") == "你好 there")
        #expect(q.first("a[b]") == "x=y")
        #expect(q.first("plus") == "1+1")
    }

    @Test func emptyAndOddPieces() {
        #expect(QueryString.parse("").isEmpty)
        #expect(pairs(QueryString.parse("&&a=1&")) == ["a=1"])
        #expect(pairs(QueryString.parse("flag&b=")) == ["flag=", "b="])
        #expect(pairs(QueryString.parse("=x")) == ["=x"])
        #expect(pairs(QueryString.parse("a=b=c")) == ["a=b=c"])
    }

    @Test func duplicatesKeepOrderFirstWins() {
        let q = QueryString.parse("id=1&id=2&id=3")
        #expect(q.first("id") == "1")
        #expect(q.all("id") == ["1", "2", "3"])
        #expect(q.contains("id"))
    }

    @Test func malformedPairsAreCountedAndLeftOut() {
        let q = QueryString.parse("a=%zz&b=1&%FF=2&c=%E4")
        #expect(pairs(q) == ["b=1"])
        #expect(q.malformedCount == 3)
    }

    @Test func formBodyBytes() {
        let body = Array("name=alice%40example.com&password=p%40ss+word".utf8)
        let q = body.withUnsafeBytes { QueryString.parse($0) }
        #expect(q.first("name") == "alice@example.com")
        #expect(q.first("password") == "p@ss word")
    }
}
