import Glibc
import Shared

// Synchronous top-level code on purpose: the master forks its children, which is only safe while
// the process has a single thread (no async main, no Dispatch, no Task before fork).

let arguments = Array(CommandLine.arguments.dropFirst())
let status: Int32
do {
    let options = try CommandLineOptions.parse(arguments)
    status = Commands.run(options)
} catch {
    FileDescriptor.writeAll(2, "chatroom: \(error)\n")
    status = 2
}
fflush(nil)
exit(status)
