import Glibc
import Shared
import TaskWorker
import Worker

/// `chatroom __child`: a process the master forked and exec'd becomes its worker or task worker
/// here, from what `ChildLaunch` carried through the environment.
enum ChildEntry {
    /// The exit status of a child that cannot join the running master (a binary installed since
    /// it started, with another launch or shared-memory format): the master then stops exec'ing.
    static let incompatible: Int32 = 78

    static func run() -> Int32 {
        guard let text = getenv(ChildLaunch.environmentVariable).map({ String(cString: $0) }) else {
            FileDescriptor.writeAll(2, "chatroom: \(ChildLaunch.verb) is started by the master only\n")
            return 2
        }
        guard let launch = ChildLaunch(decoding: text) else {
            FileDescriptor.writeAll(2, "chatroom: this binary cannot read its master's launch record\n")
            return incompatible
        }
        unsetenv(ChildLaunch.environmentVariable)
        let configuration: Configuration
        let region: SharedRegion
        do {
            configuration = try launch.configuration()
            region = try SharedRegion.open(name: launch.regionName)
        } catch {
            FileDescriptor.writeAll(2, "chatroom: \(launch.role) cannot join the running server: \(error)\n")
            return incompatible
        }
        Log.configure(role: launch.role.description, level: configuration.logLevel)
        // Standard error is already the log file; remember its path for SIGHUP.
        if let logFile = configuration.logFile { Log.adoptFile(logFile) }
        let context = ChildContext(role: launch.role, configuration: configuration, topology: launch.topology,
                                   region: region, handOverID: launch.handOverID)
        switch launch.role {
        case .worker: return ReactorWorker.run(context)
        case .taskWorker: return TaskWorkerProcess.run(context)
        }
    }
}
