import Testing
@testable import Shared

@Suite struct PercentDecodingTests {
    @Test func pathDecoding() {
        #expect(PercentDecoding.decodePath("/a%20b") == Array("/a b".utf8))
        #expect(PercentDecoding.decodePath("/plain/path.js") == Array("/plain/path.js".utf8))
        #expect(PercentDecoding.decodePath("/a+b") == Array("/a+b".utf8))
        #expect(PercentDecoding.decodePath("/%2e%2E/%2F") == Array("/..//".utf8))
        #expect(PercentDecoding.decodePath("%00") == [0])
        #expect(PercentDecoding.decodePath("%ff%FE") == [0xFF, 0xFE])
        #expect(PercentDecoding.decodePath("/%E4%B8%AD") == Array("/中".utf8))
        #expect(PercentDecoding.decodePath("") == [])
    }

    @Test func invalidEscapesInPaths() {
        #expect(PercentDecoding.decodePath("/%zz") == nil)
        #expect(PercentDecoding.decodePath("/%4") == nil)
        #expect(PercentDecoding.decodePath("/%") == nil)
        #expect(PercentDecoding.decodePath("/%g0") == nil)
        #expect(PercentDecoding.decodePath("/%0g") == nil)
        #expect(PercentDecoding.decodePath("/100%") == nil)
    }

    @Test func formComponents() {
        #expect(PercentDecoding.decodeFormComponent("a+b%2Bc") == "a b+c")
        #expect(PercentDecoding.decodeFormComponent("%E8%81%8A%E5%A4%A9") == "聊天")
        #expect(PercentDecoding.decodeFormComponent("plain") == "plain")
        #expect(PercentDecoding.decodeFormComponent("") == "")
        #expect(PercentDecoding.decodeFormComponent("%20%2b+") == " + ")
        #expect(PercentDecoding.decodeFormComponent("a%26b%3Dc") == "a&b=c")
    }

    @Test func invalidFormComponentsAreNil() {
        #expect(PercentDecoding.decodeFormComponent("%zz") == nil)
        #expect(PercentDecoding.decodeFormComponent("abc%") == nil)
        // Invalid UTF-8 after decoding: refused, not replaced.
        #expect(PercentDecoding.decodeFormComponent("%FF") == nil)
        #expect(PercentDecoding.decodeFormComponent("%E4%B8") == nil)
        #expect(PercentDecoding.decodeFormComponent("%C0%AF") == nil)
    }
}
