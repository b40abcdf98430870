/// What a forked process is.
public enum ProcessRole: Equatable, Sendable, CustomStringConvertible {
    case worker(Int)
    case taskWorker(Int)

    public var description: String {
        switch self {
        case .worker(let slot): return "worker#\(slot)"
        case .taskWorker(let slot): return "task#\(slot)"
        }
    }
}

extension ProcessRole {
    /// On the wire (control messages, the launch record): a kind byte, then the slot.
    func write(to w: inout ByteWriter) {
        switch self {
        case .worker(let slot): w.u8(0); w.u32(UInt32(slot))
        case .taskWorker(let slot): w.u8(1); w.u32(UInt32(slot))
        }
    }

    init?(reading r: inout ByteReader) {
        guard let kind = r.u8(), let slot = r.u32() else { return nil }
        switch kind {
        case 0: self = .worker(Int(slot))
        case 1: self = .taskWorker(Int(slot))
        default: return nil
        }
    }
}
