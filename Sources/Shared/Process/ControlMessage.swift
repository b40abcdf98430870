/// Messages on the master <-> child control channel.
public enum ControlMessage: Equatable, Sendable {
    /// child -> master: set up and serving (workers: the listener is in their epoll set).
    case ready
    /// master -> children: a process left its slot (workers re-send jobs that task worker had).
    case peerExited(ProcessRole)
    /// master -> children: a process took its slot again.
    case peerStarted(ProcessRole)
    /// master -> children: reopen the log file (SIGHUP, logrotate).
    case reopenLog
    /// master -> a worker being reloaded: pass your connections to your successor (hand-over `id`)
    /// and exit.
    case handOver(id: UInt64)

    private enum Tag: UInt8 { case ready = 1, peerExited, peerStarted, reopenLog, handOver }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        switch self {
        case .ready: w.u8(Tag.ready.rawValue)
        case .peerExited(let role): w.u8(Tag.peerExited.rawValue); role.write(to: &w)
        case .peerStarted(let role): w.u8(Tag.peerStarted.rawValue); role.write(to: &w)
        case .reopenLog: w.u8(Tag.reopenLog.rawValue)
        case .handOver(let id): w.u8(Tag.handOver.rawValue); w.u64(id)
        }
        return w.bytes
    }

    public init?(decoding bytes: UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        guard let raw = r.u8(), let tag = Tag(rawValue: raw) else { return nil }
        switch tag {
        case .ready: self = .ready
        case .peerExited: guard let role = ProcessRole(reading: &r) else { return nil }; self = .peerExited(role)
        case .peerStarted: guard let role = ProcessRole(reading: &r) else { return nil }; self = .peerStarted(role)
        case .reopenLog: self = .reopenLog
        case .handOver: guard let id = r.u64() else { return nil }; self = .handOver(id: id)
        }
    }
}
