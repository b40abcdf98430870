import Testing
@testable import Shared

@Suite struct MIMETypesTests {
    @Test func knownExtensions() {
        let expected: [String: String] = [
            "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8",
            "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
            "mjs": "text/javascript; charset=utf-8", "json": "application/json", "map": "application/json",
            "txt": "text/plain; charset=utf-8", "svg": "image/svg+xml", "png": "image/png",
            "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
            "ico": "image/x-icon", "avif": "image/avif", "woff": "font/woff", "woff2": "font/woff2",
            "ttf": "font/ttf", "wasm": "application/wasm", "mp3": "audio/mpeg", "mp4": "video/mp4",
            "webm": "video/webm", "pdf": "application/pdf", "xml": "application/xml",
        ]
        for (ext, type) in expected {
            #expect(MIMETypes.contentType(forPathExtension: ext) == type, "\(ext)")
        }
    }

    @Test func caseInsensitive() {
        #expect(MIMETypes.contentType(forPathExtension: "PNG") == "image/png")
        #expect(MIMETypes.contentType(forPathExtension: "Html") == "text/html; charset=utf-8")
        #expect(MIMETypes.contentType(forPathExtension: "JPEG") == "image/jpeg")
    }

    @Test func unknownIsOctetStream() {
        #expect(MIMETypes.contentType(forPathExtension: "exe") == "application/octet-stream")
        #expect(MIMETypes.contentType(forPathExtension: "") == "application/octet-stream")
        #expect(MIMETypes.contentType(forPathExtension: "php") == "application/octet-stream")
    }

    @Test func byPath() {
        #expect(MIMETypes.contentType(forPath: "js/app.js") == "text/javascript; charset=utf-8")
        #expect(MIMETypes.contentType(forPath: "/css/app.CSS") == "text/css; charset=utf-8")
        #expect(MIMETypes.contentType(forPath: "archive.tar.gz") == "application/octet-stream")
        #expect(MIMETypes.contentType(forPath: "a.b/README") == "application/octet-stream")
        #expect(MIMETypes.contentType(forPath: ".htaccess") == "application/octet-stream")
        #expect(MIMETypes.contentType(forPath: "dir/.png") == "application/octet-stream")
        #expect(MIMETypes.contentType(forPath: "index.html") == "text/html; charset=utf-8")
        #expect(MIMETypes.contentType(forPath: "noext") == "application/octet-stream")
    }
}
