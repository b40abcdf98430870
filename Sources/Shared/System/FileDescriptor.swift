import CShim
import Glibc

/// Small helpers over raw descriptors. Descriptors stay plain `Int32`: they cross fork, epoll and
/// SCM_RIGHTS, and a wrapper type would only hide that.
public enum FileDescriptor {
    public static func setNonBlocking(_ fd: Int32, _ on: Bool = true) throws {
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0 else { throw SystemError("fcntl(F_GETFL)") }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags, fcntl(fd, F_SETFL, wanted) < 0 { throw SystemError("fcntl(F_SETFL)") }
    }

    public static func setCloseOnExec(_ fd: Int32, _ on: Bool = true) {
        let flags = fcntl(fd, F_GETFD)
        guard flags >= 0 else { return }
        _ = fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC)
    }

    /// close(2) that ignores EINTR: on Linux the descriptor is released even then.
    public static func close(_ fd: Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// Writes all bytes to a blocking descriptor (pid files, pipes to the launching CLI).
    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { writeAll(fd, $0) }
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    @discardableResult
    public static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        writeAll(fd, Array(text.utf8))
    }

    /// Reads a whole small file (pid files, /proc entries). Nil when it cannot be opened.
    public static func readFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while result.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
        }
        return result
    }

    /// The highest descriptor number this process may open (for closing inherited descriptors).
    public static func openLimit() -> Int32 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return Int32(clamping: limit.rlim_cur)
    }

    /// Raises the soft descriptor limit to the hard limit: a chat server holds one socket per client.
    public static func raiseOpenLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}

/// `environ`, which Swift's Glibc module hides.
public func cshimEnviron() -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
    cshim_environ()
}
