public enum StaticPathResolution: Hashable, Sendable {
    /// Relative to the document root, no leading slash, no `.`/`..`/empty segments.
    case file(relativePath: String)
    /// The path tries to leave the root or reach something hidden; answer 403 (or 404 to
    /// disclose nothing).
    case forbidden(reason: String)
    /// The path cannot name a file (a segment too long for a file system); answer 404.
    case notFound
}

/// The lexical half of serving files safely: a raw request path becomes a path relative to
/// the document root that cannot climb out of it. Symlinks are the caller's part (realpath
/// and a prefix check), since they need the file system.
public enum StaticPath {
    /// File served for a directory path (`/`, `/docs/`).
    public static let indexFile = "index.html"

    /// Longest file name component on Linux file systems.
    static let maxSegmentBytes = 255

    /// Decodes once, then judges the decoded bytes, so that an encoded `..` or `/` (`%2e%2e`,
    /// `..%2f`) is caught; `%252e` stays the literal name `%2e` (the caller must not decode
    /// again). Refuses NUL and other control bytes, backslashes, `..` segments, segments that
    /// start with a dot other than `.well-known` (dotfiles such as `.env` or `.git`), and
    /// invalid UTF-8. Drops `.` and empty segments; a path ending in `/` gets `index.html`.
    /// Anything from the first `?` or `#` on is ignored.
    public static func resolve(rawPath: String) -> StaticPathResolution {
        var raw = rawPath
        return raw.withUTF8 { resolve(UnsafeRawBufferPointer($0)) }
    }

    private static func resolve(_ raw: UnsafeRawBufferPointer) -> StaticPathResolution {
        var end = 0
        while end < raw.count, raw[end] != HTTPGrammar.question, raw[end] != UInt8(ascii: "#") { end += 1 }
        guard end > 0, raw[0] == HTTPGrammar.slash else { return .forbidden(reason: "path does not start with '/'") }
        guard let decoded = PercentDecoding.decode(UnsafeRawBufferPointer(rebasing: raw[0..<end]), plusIsSpace: false) else {
            return .forbidden(reason: "malformed percent-encoding")
        }
        return decoded.withUnsafeBytes { judge($0) }
    }

    private static func judge(_ path: UnsafeRawBufferPointer) -> StaticPathResolution {
        for byte in path {
            if byte == 0 { return .forbidden(reason: "NUL byte in path") }
            if byte == HTTPGrammar.backslash { return .forbidden(reason: "backslash in path") }
            if byte < 0x20 || byte == 0x7F { return .forbidden(reason: "control character in path") }
        }
        guard String(validating: path, as: UTF8.self) != nil else {
            return .forbidden(reason: "path is not valid UTF-8")
        }

        var out: [UInt8] = []
        out.reserveCapacity(path.count + indexFile.utf8.count)
        var start = 0
        var endsWithDirectory = true
        while start < path.count {
            var end = start
            while end < path.count, path[end] != HTTPGrammar.slash { end += 1 }
            let segment = UnsafeRawBufferPointer(rebasing: path[start..<end])
            let isLast = end == path.count
            start = end + 1
            if segment.isEmpty || (segment.count == 1 && segment[0] == HTTPGrammar.dot) {
                // `/a//b`, `/a/./b`: nothing to add; a trailing one still means "directory".
                if isLast { endsWithDirectory = true }
                continue
            }
            if segment.count == 2 && segment[0] == HTTPGrammar.dot && segment[1] == HTTPGrammar.dot {
                return .forbidden(reason: "'..' segment in path")
            }
            if segment[0] == HTTPGrammar.dot && !isWellKnown(segment) {
                return .forbidden(reason: "hidden file in path")
            }
            if segment.count > maxSegmentBytes { return .notFound }
            if !out.isEmpty { out.append(HTTPGrammar.slash) }
            out.append(contentsOf: segment)
            endsWithDirectory = !isLast
        }
        if endsWithDirectory {
            if !out.isEmpty { out.append(HTTPGrammar.slash) }
            out.append(contentsOf: indexFile.utf8)
        }
        return .file(relativePath: String(decoding: out, as: UTF8.self))
    }

    private static func isWellKnown(_ segment: UnsafeRawBufferPointer) -> Bool {
        let name = ".well-known"
        return segment.count == name.utf8.count && zip(segment, name.utf8).allSatisfy { $0 == $1 }
    }
}
