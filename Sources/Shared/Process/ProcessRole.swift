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
