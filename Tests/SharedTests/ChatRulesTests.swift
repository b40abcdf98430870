import Testing
@testable import Shared

@Suite struct RateLimiterTests {
    @Test func allowsABurstThenTheRate() {
        var limiter = RateLimiter(rate: 5, burst: 10, now: 0)
        let burst = (0..<20).filter { _ in limiter.allow(now: 0) }.count
        #expect(burst == 10)
        let halfToken = limiter.allow(now: 100)
        let oneToken = limiter.allow(now: 200)     // 1 token after 200 ms at 5/s
        let noneLeft = limiter.allow(now: 200)
        #expect(!halfToken && oneToken && !noneLeft)
        let later = (0..<20).filter { _ in limiter.allow(now: 10_000) }.count
        #expect(later == 10)                       // refills to the burst, no more
    }

    @Test func clockGoingBackwardsGivesNothing() {
        var limiter = RateLimiter(rate: 1, burst: 1, now: 1000)
        let first = limiter.allow(now: 1000)
        let backwards = limiter.allow(now: 0)
        #expect(first && !backwards)
    }
}

@Suite struct ImageTypeTests {
    @Test func detectsFromMagicBytes() {
        #expect(ImageType.detect([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageType.detect([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageType.detect(Array("GIF89a...".utf8)) == .gif)
        #expect(ImageType.detect(Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == .webp)
        #expect(ImageType.detect(Array("RIFF\0\0\0\0WAVEfmt ".utf8)) == nil)
        #expect(ImageType.detect(Array("<html>".utf8)) == nil)
        #expect(ImageType.detect([]) == nil)
        #expect(ImageType.jpeg.fileExtension == "jpg")
    }
}

@Suite struct DataURLTests {
    @Test func decodesBase64DataURLs() throws {
        #expect(try DataURL.decodeBase64("data:image/png;base64,AAEC", maxBytes: 10).get() == [0, 1, 2])
        #expect(DataURL.decodeBase64("http://x/y.png", maxBytes: 10) == .failure(.notADataURL))
        #expect(DataURL.decodeBase64("data:text/plain,hello", maxBytes: 10) == .failure(.notBase64))
        #expect(DataURL.decodeBase64("data:image/png;base64,@@@@", maxBytes: 10) == .failure(.notBase64))
        #expect(DataURL.decodeBase64("data:image/png;base64," + String(repeating: "AAAA", count: 100), maxBytes: 10) == .failure(.tooLarge))
    }
}

@Suite struct AccountRulesTests {
    @Test func emails() {
        for good in ["alice@example.com", "a.b+c@sub.example.org"] { #expect(AccountRules.isValidEmail(good), "\(good)") }
        for bad in ["", "alice", "@example.com", "alice@", "alice@com", "a b@example.com", "a@b@c.com",
                    "<x>@example.com", "alice@.example.com", String(repeating: "a", count: 95) + "@b.com"] {
            #expect(!AccountRules.isValidEmail(bad), "\(bad)")
        }
        #expect(AccountRules.displayName(forEmail: "alice@example.com") == "alice")
    }

    @Test func avatarURLs() {
        for good in ["//s3.qiufengh.com/avatar/17.jpeg", "https://x.org/a.png", "/storage/images/avatars/a.png"] {
            #expect(AccountRules.isAcceptableAvatarURL(good), "\(good)")
        }
        for bad in ["", "javascript:alert(1)", "ftp://x", "/a b.png", "/\"onerror=x", String(repeating: "/a", count: 200)] {
            #expect(!AccountRules.isAcceptableAvatarURL(bad), "\(bad)")
        }
    }
}
