import Glibc
import Shared

/// `chatroom stop`: SIGTERM to the master, then wait until it is gone and the port is free.
enum StopCommand {
    static func run(_ configuration: Configuration, quietWhenNotRunning: Bool = false) -> Int32 {
        guard let pid = Commands.runningMaster(configuration) else {
            if !quietWhenNotRunning { Commands.say("chatroom is not running (no live server holds \(configuration.pidFile))") }
            return 0
        }
        // The port the server really listens on is in its shared memory; settings may differ.
        var host = configuration.host
        var port = configuration.port
        if let region = try? SharedRegion.open(name: SharedRegion.name(forPidFile: configuration.pidFile), writable: false) {
            host = region.host
            port = region.port
            region.close()
        }
        guard kill(pid, SIGTERM) == 0 else {
            Commands.complain("cannot signal pid \(pid): \(Errno.describe(errno))")
            return 1
        }
        let deadline = Clock.monotonicMilliseconds() + (configuration.shutdownTimeout + 5) * 1000
        while Clock.monotonicMilliseconds() < deadline {
            if !PidFile.isLocked(configuration.pidFile) && !processIsLive(pid) && Socket.isPortFree(host: host, port: port) {
                Commands.say("chatroom stopped (pid \(pid))")
                return 0
            }
            Commands.sleepMilliseconds(50)
        }
        Commands.complain("pid \(pid) did not stop within \(configuration.shutdownTimeout + 5) s")
        return 1
    }

    /// kill(pid, 0) also succeeds for a zombie that its parent has not reaped yet; /proc tells.
    static func processIsLive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = FileDescriptor.readFile("/proc/\(pid)/stat", limit: 4096) else { return false }
        // The state follows the parenthesised command name: "pid (comm) S ...".
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 < stat.count else { return true }
        return stat[close + 2] != UInt8(ascii: "Z")
    }
}
