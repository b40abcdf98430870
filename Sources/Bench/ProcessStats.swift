import Glibc
import Shared

/// CPU time and resident memory of processes, from /proc (Linux only).
enum ProcessStats {
    /// utime + stime of a process in seconds (fields 14 and 15 of /proc/PID/stat), nil if gone.
    static func cpuSeconds(_ pid: Int32) -> Double? {
        guard let bytes = FileDescriptor.readFile("/proc/\(pid)/stat", limit: 4096) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        // The command name may hold spaces and parentheses: the fields start after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12].
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmRSS of a process in KiB, nil if gone.
    static func rssKiB(_ pid: Int32) -> Int? {
        guard let bytes = FileDescriptor.readFile("/proc/\(pid)/status", limit: 16384) else { return nil }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    static func selfCPUSeconds() -> Double { cpuSeconds(getpid()) ?? 0 }
}

/// CPU and RSS of the `--pid` processes and of this one, sampled at the start and the end of a window.
struct ProcessSample {
    var cpu: [Int32: Double] = [:]
    var rss: [Int32: Int] = [:]
    var selfCPU = 0.0
    var at = 0.0

    static func take(_ pids: [Int32]) -> ProcessSample {
        var sample = ProcessSample()
        for pid in pids {
            sample.cpu[pid] = ProcessStats.cpuSeconds(pid)
            sample.rss[pid] = ProcessStats.rssKiB(pid)
        }
        sample.selfCPU = ProcessStats.selfCPUSeconds()
        sample.at = Double(nowMicros()) / 1e6
        return sample
    }
}
