import Glibc
import Shared

/// The pid file, held under an exclusive flock for the master's whole life: a second `start` finds it
/// locked and refuses; a file left by a crash is unlocked and therefore stale, whatever pid it names.
final class PidFile {
    let path: String
    private(set) var fd: Int32 = -1

    init(path: String) { self.path = path }

    enum AcquireResult {
        case acquired(stalePid: Int32?)
        case heldBy(pid: Int32?)
    }

    /// Opens (creating directories) and locks the file without blocking.
    func acquire() throws -> AcquireResult {
        try Directories.create(parentOf: path)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError("open pid file \(path)") }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let holder = PidFile.readPid(path)
            close(descriptor)
            return .heldBy(pid: holder)
        }
        fd = descriptor
        let previous = PidFile.readPid(path)
        return .acquired(stalePid: previous)
    }

    /// Records the master's pid (after daemonizing, so it is the final one).
    func write(pid: Int32) throws {
        guard fd >= 0 else { return }
        guard ftruncate(fd, 0) == 0 else { throw SystemError("truncate pid file") }
        let text = Array("\(pid)\n".utf8)
        let written = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        guard written == text.count else { throw SystemError("write pid file") }
    }

    /// Children must not keep the lock alive after the master is gone.
    func closeInChild() {
        FileDescriptor.close(fd)
        fd = -1
    }

    func remove() {
        unlink(path)
        FileDescriptor.close(fd)
        fd = -1
    }

    static func readPid(_ path: String) -> Int32? {
        guard let bytes = FileDescriptor.readFile(path, limit: 64),
              let text = String(validating: bytes, as: UTF8.self) else { return nil }
        return Int32(text.trimmingCharacters(in: " \n\t"))
    }

    /// True when some process holds the lock (a live server), whatever the file says.
    static func isLocked(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) != 0 { return errno == EWOULDBLOCK }
        flock(descriptor, LOCK_UN)
        return false
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
