import CShim
import Glibc

/// How a child process ended, decoded from waitpid's status word.
public enum ProcessStatus: Equatable, CustomStringConvertible, Sendable {
    case exited(Int32)
    case signaled(Int32)

    public init(waitStatus: Int32) {
        if cshim_wifsignaled(waitStatus) != 0 {
            self = .signaled(cshim_wtermsig(waitStatus))
        } else {
            self = .exited(cshim_wexitstatus(waitStatus))
        }
    }

    public var isCleanExit: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "status=\(code)"
        case .signaled(let sig): return "signal=\(Signals.name(sig))"
        }
    }
}
