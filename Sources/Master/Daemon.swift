import Glibc
import CShim
import Shared

/// Detaching from the terminal: fork, setsid, fork again, standard streams to the log. The launching
/// process stays until the new master reports through a pipe that it serves (or why it could not),
/// so `chatroom start -d` returns only when the server accepts connections.
enum Daemon {
    /// Returns, in the daemon, the write end of the readiness pipe. Never returns in the launcher:
    /// it exits 0 on success, 1 with the reported reason otherwise.
    static func detach(logFile: String) -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard cshimPipe(&fds) == 0 else {
            FileDescriptor.writeAll(2, "chatroom: pipe: \(Errno.describe(errno))\n")
            exit(1)
        }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        flushStandardStreams()
        let first = fork()
        if first < 0 {
            FileDescriptor.writeAll(2, "chatroom: fork: \(Errno.describe(errno))\n")
            exit(1)
        }
        if first > 0 {
            close(writeEnd)
            var status: Int32 = 0
            waitpid(first, &status, 0)
            exit(waitForReadiness(readEnd, logFile: logFile))
        }
        close(readEnd)
        setsid()
        let second = fork()
        if second < 0 { _exit(1) }
        if second > 0 { _exit(0) }
        umask(0o022)
        _ = chdir("/")
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            close(null)
        }
        do {
            try Log.redirect(toFile: logFile)
        } catch {
            report(writeEnd, "error: \(error)")
            _exit(1)
        }
        return writeEnd
    }

    /// The launcher's side: one line from the daemon, or EOF if it died first.
    private static func waitForReadiness(_ fd: Int32, logFile: String) -> Int32 {
        var collected: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            collected += buffer[0..<n]
        }
        let text = String(decoding: collected, as: UTF8.self).trimmingCharacters(in: "\n")
        if text.hasPrefix("ok") {
            let detail = String(text.dropFirst(2)).trimmingCharacters(in: " ")
            FileDescriptor.writeAll(1, "chatroom started\(detail.isEmpty ? "" : ": " + detail)\n")
            return 0
        }
        if text.hasPrefix("error: ") {
            FileDescriptor.writeAll(2, "chatroom: \(text.dropFirst(7))\n")
        } else {
            FileDescriptor.writeAll(2, "chatroom: the server exited during start-up; see \(logFile)\n")
        }
        return 1
    }

    /// The daemon's report to the launcher; the pipe is closed after it.
    static func report(_ fd: Int32, _ line: String) {
        guard fd >= 0 else { return }
        FileDescriptor.writeAll(fd, line + "\n")
        close(fd)
    }

    static func flushStandardStreams() {
        fflush(nil)
    }
}

func cshimPipe(_ fds: inout [Int32]) -> Int32 {
    fds.withUnsafeMutableBufferPointer { cshim_pipe2($0.baseAddress!, O_CLOEXEC) }
}
