import Testing
@testable import Shared

private func forbidden(_ path: String) -> Bool {
    if case .forbidden = StaticPath.resolve(rawPath: path) { return true }
    return false
}

@Suite struct StaticPathTests {
    @Test func ordinaryFiles() {
        #expect(StaticPath.resolve(rawPath: "/js/app.js") == .file(relativePath: "js/app.js"))
        #expect(StaticPath.resolve(rawPath: "/favicon.ico") == .file(relativePath: "favicon.ico"))
        #expect(StaticPath.resolve(rawPath: "/storage/images/avatars/2019/12/11/a.png")
                == .file(relativePath: "storage/images/avatars/2019/12/11/a.png"))
        #expect(StaticPath.resolve(rawPath: "/a%20b/%E4%B8%AD.txt") == .file(relativePath: "a b/中.txt"))
        #expect(StaticPath.resolve(rawPath: "/a+b.txt") == .file(relativePath: "a+b.txt"))
        #expect(StaticPath.resolve(rawPath: "/a.b..c") == .file(relativePath: "a.b..c"))
        #expect(StaticPath.resolve(rawPath: "/a/b.../c") == .file(relativePath: "a/b.../c"))
    }

    @Test func directoriesGetIndex() {
        #expect(StaticPath.resolve(rawPath: "/") == .file(relativePath: "index.html"))
        #expect(StaticPath.resolve(rawPath: "/docs/") == .file(relativePath: "docs/index.html"))
        #expect(StaticPath.resolve(rawPath: "/docs/.") == .file(relativePath: "docs/index.html"))
        #expect(StaticPath.resolve(rawPath: "//") == .file(relativePath: "index.html"))
        #expect(StaticPath.resolve(rawPath: "/./") == .file(relativePath: "index.html"))
        #expect(StaticPath.resolve(rawPath: "/docs") == .file(relativePath: "docs"))
    }

    @Test func slashesCollapsedAndDotsDropped() {
        #expect(StaticPath.resolve(rawPath: "//a///b//c") == .file(relativePath: "a/b/c"))
        #expect(StaticPath.resolve(rawPath: "/a/./b/./c") == .file(relativePath: "a/b/c"))
        #expect(StaticPath.resolve(rawPath: "/a/%2e/b") == .file(relativePath: "a/b"))
        #expect(StaticPath.resolve(rawPath: "/a%2F%2Fb") == .file(relativePath: "a/b"))
    }

    @Test func queryAndFragmentIgnored() {
        #expect(StaticPath.resolve(rawPath: "/storage/a.png?imageView2/2/w/120/h/120") == .file(relativePath: "storage/a.png"))
        #expect(StaticPath.resolve(rawPath: "/?x=../../etc/passwd") == .file(relativePath: "index.html"))
        #expect(StaticPath.resolve(rawPath: "/a.js#../../x") == .file(relativePath: "a.js"))
    }

    @Test func traversalRefused() {
        let attempts = [
            "/..", "/../", "/../etc/passwd", "/a/../../x", "/a/..", "/a/../b",
            "/%2e%2e/etc/passwd", "/%2E%2E/etc/passwd", "/%2e%2E%2Fetc%2Fpasswd", "/%2E%2E%2F",
            "/..%2f..", "/..%2F..%2Fetc%2Fpasswd", "/a/%2e%2e", "/.%2e/x", "/%2e./x",
            "/..%5c..", "/..%5C", "/a%5cb", "/a\\b", "/..\\..",
            "/%00", "/a%00.html", "/index.html%00.png",
            "/a%0d%0aSet-Cookie", "/%7f",
        ]
        for attempt in attempts {
            #expect(forbidden(attempt), "\(attempt)")
        }
        #expect(StaticPath.resolve(rawPath: "/../x") == .forbidden(reason: "'..' segment in path"))
        #expect(StaticPath.resolve(rawPath: "/a%00") == .forbidden(reason: "NUL byte in path"))
        #expect(StaticPath.resolve(rawPath: "/a%5c") == .forbidden(reason: "backslash in path"))
    }

    @Test func decodedOnlyOnce() {
        // `%252e%252e` is the literal name `%2e%2e`, not `..`.
        #expect(StaticPath.resolve(rawPath: "/%252e%252e/x") == .file(relativePath: "%2e%2e/x"))
    }

    @Test func hiddenFilesRefused() {
        #expect(forbidden("/.env"))
        #expect(forbidden("/.git/config"))
        #expect(forbidden("/a/.htaccess"))
        #expect(forbidden("/..."))
        #expect(forbidden("/%2eenv"))
        #expect(StaticPath.resolve(rawPath: "/.well-known/security.txt") == .file(relativePath: ".well-known/security.txt"))
    }

    @Test func malformedInput() {
        #expect(StaticPath.resolve(rawPath: "/%zz") == .forbidden(reason: "malformed percent-encoding"))
        #expect(forbidden("/%"))
        #expect(forbidden("relative/path"))
        #expect(forbidden(""))
        #expect(forbidden("*"))
        #expect(StaticPath.resolve(rawPath: "/%FF.txt") == .forbidden(reason: "path is not valid UTF-8"))
    }

    @Test func overlongSegmentIsNotFound() {
        #expect(StaticPath.resolve(rawPath: "/" + String(repeating: "a", count: 256)) == .notFound)
        #expect(StaticPath.resolve(rawPath: "/" + String(repeating: "a", count: 255)) == .file(relativePath: String(repeating: "a", count: 255)))
    }
}
