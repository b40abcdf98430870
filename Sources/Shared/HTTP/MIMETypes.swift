/// Content-Type for files served from disk, by extension. Text types name UTF-8 because the
/// files this server ships are UTF-8 and browsers otherwise guess.
public enum MIMETypes {
    public static let defaultType = "application/octet-stream"

    /// `"HTML"`, `"html"` → `text/html; charset=utf-8`; unknown → `application/octet-stream`.
    public static func contentType(forPathExtension pathExtension: String) -> String {
        switch HTTPGrammar.lowercased(pathExtension) {
        case "html", "htm": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "json", "map": return "application/json"
        case "txt": return "text/plain; charset=utf-8"
        case "xml": return "application/xml"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "avif": return "image/avif"
        case "ico": return "image/x-icon"
        case "woff": return "font/woff"
        case "woff2": return "font/woff2"
        case "ttf": return "font/ttf"
        case "otf": return "font/otf"
        case "wasm": return "application/wasm"
        case "mp3": return "audio/mpeg"
        case "mp4": return "video/mp4"
        case "webm": return "video/webm"
        case "pdf": return "application/pdf"
        default: return defaultType
        }
    }

    /// By the extension of the last component of `path` (`/js/app.js` → JavaScript); a name
    /// with no dot, or only a leading one (`.htaccess`), has no extension.
    public static func contentType(forPath path: String) -> String {
        let bytes = Array(path.utf8)
        var i = bytes.count
        while i > 0 {
            let byte = bytes[i - 1]
            if byte == HTTPGrammar.slash { return defaultType }
            if byte == HTTPGrammar.dot {
                if i - 1 == 0 || bytes[i - 2] == HTTPGrammar.slash { return defaultType }
                return contentType(forPathExtension: String(decoding: bytes[i...], as: UTF8.self))
            }
            i -= 1
        }
        return defaultType
    }
}
