import Glibc

extension SharedRegion {
    /// The region name of the server that owns `path`: "/chatroom-" and 16 hex digits of the FNV-1a
    /// hash of the pid file's absolute path. Both the server and the CLI derive it, so the CLI needs no
    /// other way to find a running server's tables; hashing keeps it within NAME_MAX and free of '/'.
    public static func name(forPidFile path: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in absolutePath(path).utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "/chatroom-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Lexically normalised, relative to the working directory, with the directory's symbolic links
    /// resolved when it exists (so /var/run/x.pid and /run/x.pid name the same server). The file
    /// itself need not exist yet: the server derives the name before writing it.
    static func absolutePath(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            full = String(cString: cwd) + "/" + path
            free(cwd)
        }
        var parts: [Substring] = []
        for part in full.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        guard let file = parts.popLast() else { return "/" }
        var directory = "/" + parts.joined(separator: "/")
        if let resolved = realpath(directory, nil) {
            directory = String(cString: resolved)
            free(resolved)
        }
        return (directory == "/" ? "" : directory) + "/" + file
    }
}
