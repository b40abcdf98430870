import Glibc
import Shared

// Synchronous top-level code on purpose: the master forks its children, which is only safe while
// the process has a single thread (no async main, no Dispatch, no Task before fork).

func runCommandLine(_ arguments: [String]) -> Int32 {
    // A child the master forked and exec'd (not a verb for people: absent from --help); the role
    // after it is only there for `ps`.
    if arguments.first == ChildLaunch.verb && arguments.count <= 2 { return ChildEntry.run() }
    do {
        return Commands.run(try CommandLineOptions.parse(arguments))
    } catch {
        FileDescriptor.writeAll(2, "chatroom: \(error)\n")
        return 2
    }
}

let status = runCommandLine(Array(CommandLine.arguments.dropFirst()))
fflush(nil)
exit(status)
