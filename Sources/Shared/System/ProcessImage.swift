import Glibc

/// The running program's file, and replacing the process image with it.
public enum ProcessImage {
    /// The absolute path this process was started from (read once at start: after the file is
    /// replaced by a new build, `/proc/self/exe` names the deleted old one, but the path still
    /// leads to the new one, which is what a reload must run).
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        buffer[n] = 0
        var path = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Already replaced while we were starting: the path is still where the binary lives.
        if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
        return path
    }

    /// execv: returns only on failure, with errno.
    public static func exec(_ path: String, _ arguments: [String]) -> Int32 {
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        cArguments.append(nil)
        _ = execv(path, &cArguments)
        let code = errno
        for pointer in cArguments { free(pointer) }
        return code
    }
}
