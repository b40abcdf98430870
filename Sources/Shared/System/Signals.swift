import CShim
import Glibc

/// Signals are consumed through signalfd inside each process's epoll loop, never in handlers.
public enum Signals {
    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGHUP: return "HUP"
        case SIGINT: return "INT"
        case SIGQUIT: return "QUIT"
        case SIGILL: return "ILL"
        case SIGABRT: return "ABRT"
        case SIGBUS: return "BUS"
        case SIGFPE: return "FPE"
        case SIGKILL: return "KILL"
        case SIGUSR1: return "USR1"
        case SIGSEGV: return "SEGV"
        case SIGUSR2: return "USR2"
        case SIGPIPE: return "PIPE"
        case SIGALRM: return "ALRM"
        case SIGTERM: return "TERM"
        case SIGCHLD: return "CHLD"
        case SIGTRAP: return "TRAP"
        default: return String(sig)
        }
    }

    public static func makeSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        return set
    }

    /// Blocks `signals` and returns a non-blocking signalfd that reports them.
    public static func openSignalFD(_ signals: [Int32]) throws -> Int32 {
        var set = makeSet(signals)
        guard sigprocmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemError("sigprocmask") }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("signalfd") }
        return fd
    }

    /// Drains a signalfd; returns the signal numbers in arrival order (repeats coalesce in the kernel).
    public static func read(_ fd: Int32) -> [Int32] {
        var result: [Int32] = []
        var info = signalfd_siginfo()
        let size = MemoryLayout<signalfd_siginfo>.size
        while true {
            let n = withUnsafeMutableBytes(of: &info) { Glibc.read(fd, $0.baseAddress!, size) }
            if n != size { break }
            result.append(Int32(info.ssi_signo))
        }
        return result
    }

    /// Gives a forked child a clean signal state: nothing blocked, default dispositions.
    public static func resetForChild() {
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
        for sig in [SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE, SIGQUIT] {
            signal(sig, SIG_DFL)
        }
    }

    public static func ignore(_ sig: Int32) {
        signal(sig, SIG_IGN)
    }
}
