import Glibc
import Shared

/// `chatroom reload [--task]`: SIGUSR1 (workers) or SIGUSR2 (task workers) to the master, then wait
/// until every slot of that kind runs a new, ready process.
enum ReloadCommand {
    static func run(_ configuration: Configuration, kind: ProcessKind) -> Int32 {
        guard let pid = Commands.runningMaster(configuration) else {
            Commands.complain("not running (no live server holds \(configuration.pidFile))")
            return 1
        }
        let region: SharedRegion
        do {
            region = try SharedRegion.open(name: SharedRegion.name(forPidFile: configuration.pidFile), writable: false)
        } catch {
            Commands.complain("cannot read the server's shared memory: \(error)")
            return 1
        }
        defer { region.close() }
        let slots = kind == .worker ? region.layout.workerSlots : region.layout.taskWorkerSlots
        let before = (0..<slots).map { region.processes.read(kind: kind, slot: $0) }
        guard kill(pid, kind == .worker ? SIGUSR1 : SIGUSR2) == 0 else {
            Commands.complain("cannot signal pid \(pid): \(Errno.describe(errno))")
            return 1
        }
        let name = kind == .worker ? "workers" : "task workers"
        let deadline = Clock.monotonicMilliseconds() + Int64(slots + 1) * (configuration.shutdownTimeout + 5) * 1000
        while Clock.monotonicMilliseconds() < deadline {
            let now = (0..<slots).map { region.processes.read(kind: kind, slot: $0) }
            let done = zip(before, now).allSatisfy { old, new in
                new.generation > old.generation && new.pid != 0 && new.state == ProcessState.running.rawValue
            }
            if done {
                let change = zip(before, now).map { "\($0.pid)→\($1.pid)" }.joined(separator: " ")
                Commands.say("reloaded \(slots) \(name): \(change)")
                return 0
            }
            if !PidFile.isLocked(configuration.pidFile) {
                Commands.complain("the server stopped during the reload")
                return 1
            }
            Commands.sleepMilliseconds(50)
        }
        Commands.complain("reload of the \(name) did not finish in time; see the log")
        return 1
    }
}
