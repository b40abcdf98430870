import Glibc

/// Process-wide logger: one line per event on standard error, which the master points at the log
/// file. Format: `<ISO time> <LEVEL> <role>[<pid>] <event> key=value ...`, values quoted when they
/// contain spaces, quotes or `=`, so the lines stay machine-readable.
public enum Log {
    nonisolated(unsafe) public private(set) static var level: LogLevel = .info
    nonisolated(unsafe) private static var role = "chatroom"
    nonisolated(unsafe) private static var pid: Int32 = getpid()
    nonisolated(unsafe) private static var path: String?

    /// Called once per process after fork: the role names the process in every line.
    public static func configure(role: String, level: LogLevel? = nil) {
        self.role = role
        self.pid = getpid()
        if let level { self.level = level }
    }

    public static func setLevel(_ level: LogLevel) { self.level = level }

    /// Points standard error (and standard output) at `path`, opened for appending. Called at start
    /// and again on SIGHUP so logrotate can move the old file away.
    public static func redirect(toFile path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("open log file \(path)") }
        dup2(fd, 1)
        dup2(fd, 2)
        close(fd)
        self.path = path
    }

    /// Records that standard error already is `path` (a child exec'd by the master inherits it), so
    /// that SIGHUP reopens it.
    public static func adoptFile(_ path: String) {
        self.path = path
    }

    /// Reopens the current log file, if there is one (SIGHUP).
    public static func reopen() {
        guard let path else { return }
        do {
            try redirect(toFile: path)
        } catch {
            self.error("cannot reopen log file", ["path": path, "error": error])
        }
    }

    public static var filePath: String? { path }

    @inline(__always)
    public static func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    public static func debug(_ event: @autoclosure () -> String, _ fields: @autoclosure () -> KeyValuePairs<String, Any> = [:]) {
        if isEnabled(.debug) { write(.debug, event(), fields()) }
    }

    public static func info(_ event: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        if isEnabled(.info) { write(.info, event, fields) }
    }

    public static func warn(_ event: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        if isEnabled(.warn) { write(.warn, event, fields) }
    }

    public static func error(_ event: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        if isEnabled(.error) { write(.error, event, fields) }
    }

    private static func write(_ level: LogLevel, _ event: String, _ fields: KeyValuePairs<String, Any>) {
        var line = TimeFormat.iso8601UTC(epochMilliseconds: Clock.wallMilliseconds())
        line += " "
        line += level.label
        line += " "
        line += role
        line += "["
        line += String(pid)
        line += "] "
        line += quoteIfNeeded(event)
        for (key, value) in fields {
            line += " "
            line += key
            line += "="
            line += quoteIfNeeded(String(describing: value))
        }
        line += "\n"
        _ = FileDescriptor.writeAll(2, line)
    }

    static func quoteIfNeeded(_ text: String) -> String {
        var needsQuotes = text.isEmpty
        for byte in text.utf8 where byte <= 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "=") || byte == 0x7F {
            needsQuotes = true
            break
        }
        guard needsQuotes else { return text }
        var quoted = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case "\t": quoted += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    quoted += "\\x" + String(scalar.value, radix: 16)
                } else {
                    quoted.unicodeScalars.append(scalar)
                }
            }
        }
        return quoted + "\""
    }
}
