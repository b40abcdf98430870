import Glibc

/// What the server tells systemd (sd_notify(3) state strings). Only the master sends them:
/// systemd's default NotifyAccess=main drops messages from any other process.
public enum SystemdNotification: Equatable, Sendable {
    /// Start-up or a reload has finished; MAINPID names the master (also after `start -d`).
    case ready(status: String, mainPid: Int32)
    /// A reload begins; systemd ≥ 253 wants the CLOCK_MONOTONIC time of the request with it.
    case reloading(status: String, monotonicMicroseconds: Int64)
    case stopping(status: String)
    case status(String)

    /// The datagram: newline-separated VARIABLE=value assignments.
    public var message: String {
        switch self {
        case .ready(let status, let pid):
            return "READY=1\nSTATUS=\(Self.oneLine(status))\nMAINPID=\(pid)"
        case .reloading(let status, let usec):
            return "RELOADING=1\nSTATUS=\(Self.oneLine(status))\nMONOTONIC_USEC=\(usec)"
        case .stopping(let status):
            return "STOPPING=1\nSTATUS=\(Self.oneLine(status))"
        case .status(let status):
            return "STATUS=\(Self.oneLine(status))"
        }
    }

    /// A newline would start a new assignment: a STATUS text must stay on one line.
    static func oneLine(_ text: String) -> String {
        // Character.isNewline, not == "\n": "\r\n" is one Character in Swift.
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

/// The sd_notify protocol without libsystemd: one datagram per notification to the AF_UNIX socket
/// named by $NOTIFY_SOCKET. Without that variable (not started by systemd) it does nothing.
public struct SystemdNotifier: Sendable {
    /// The bytes of sun_path and the address length to pass to sendto.
    public struct Address: Equatable, Sendable {
        public let path: [UInt8]
        public let length: socklen_t
    }

    private let address: Address?

    public init(address: Address?) { self.address = address }

    /// Reads $NOTIFY_SOCKET and removes it from the environment, so that the processes forked
    /// afterwards (workers, task workers) cannot talk to systemd in the master's name.
    public static func fromEnvironment() -> SystemdNotifier {
        let value = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        unsetenv("NOTIFY_SOCKET")
        return SystemdNotifier(address: value.flatMap(address(for:)))
    }

    public var isEnabled: Bool { address != nil }

    /// "/path" is a socket file; "@name" is in the abstract namespace (sun_path starts with NUL and
    /// the length, not a terminator, ends the name). Anything else (vsock, too long) is refused.
    public static func address(for name: String) -> Address? {
        let bytes = Array(name.utf8)
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        let offset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        guard let first = bytes.first, !bytes.contains(0) else { return nil }
        switch first {
        case UInt8(ascii: "/"):
            guard bytes.count < capacity else { return nil }
            return Address(path: bytes + [0], length: socklen_t(offset + bytes.count + 1))
        case UInt8(ascii: "@"):
            guard bytes.count <= capacity, bytes.count > 1 else { return nil }
            return Address(path: [0] + bytes.dropFirst(), length: socklen_t(offset + bytes.count))
        default:
            return nil
        }
    }

    /// Best effort: a lost notification must never stall or stop the server, so the send does not
    /// block and failures are only returned.
    @discardableResult
    public func send(_ notification: SystemdNotification) -> Bool {
        guard let address else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: address.path)
        }
        let bytes = Array(notification.message.utf8)
        let sent = withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bytes.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL), sa, address.length) }
            }
        }
        return sent == bytes.count
    }
}
