import Glibc
import Shared

/// `chatroom start`: checks what can be checked while still attached to the terminal (pid file,
/// port), then daemonizes if asked, creates the shared memory and the socketpairs, and runs the master.
enum StartCommand {
    static func run(_ configuration: Configuration) -> Int32 {
        Log.configure(role: "master", level: configuration.logLevel)
        let pidFile = PidFile(path: configuration.pidFile)
        var stalePid: Int32?
        do {
            switch try pidFile.acquire() {
            case .heldBy(let pid):
                Commands.complain("already running (pid \(pid.map(String.init) ?? "?"), pid file \(configuration.pidFile))")
                return 1
            case .acquired(let stale):
                stalePid = stale
            }
        } catch {
            Commands.complain("\(error)")
            return 1
        }
        let listener: Int32
        do {
            listener = try Socket.listenTCP(host: configuration.host, port: configuration.port)
        } catch {
            Commands.complain("cannot listen on \(configuration.host):\(configuration.port): \(error)")
            pidFile.remove()
            return 1
        }
        FileDescriptor.raiseOpenLimit()
        if !configuration.daemonize, let logFile = configuration.logFile {
            do {
                try Directories.create(parentOf: logFile)
                try Log.redirect(toFile: logFile)
            } catch {
                Commands.complain("\(error)")
                pidFile.remove()
                return 1
            }
        }
        var readiness: Int32 = -1
        if configuration.daemonize, let logFile = configuration.logFile {
            do { try Directories.create(parentOf: logFile) } catch {
                Commands.complain("\(error)")
                pidFile.remove()
                return 1
            }
            readiness = Daemon.detach(logFile: logFile)
        }
        Log.configure(role: "master")
        // Logged only now so that it lands in the log file of a daemon, not on the launcher's terminal.
        if let stalePid { Log.info("stale pid file replaced", ["path": configuration.pidFile, "old_pid": stalePid]) }
        let regionName = SharedRegion.name(forPidFile: configuration.pidFile)
        do {
            try pidFile.write(pid: getpid())
            let layout = try SharedLayout(connectionCapacity: configuration.maxConnections,
                                          workerSlots: configuration.workers,
                                          taskWorkerSlots: configuration.taskWorkers,
                                          roomCapacity: configuration.maxRooms)
            let region = try SharedRegion.create(name: regionName, layout: layout, masterPid: getpid(),
                                                 host: configuration.host, port: configuration.port)
            try DatabaseBootstrap.run(configuration, region: region)
            let topology = try ProcessTopology(listener: listener, workers: configuration.workers,
                                               taskWorkers: configuration.taskWorkers)
            let master = try MasterProcess(configuration: configuration, topology: topology, region: region,
                                           pidFile: pidFile, readinessFD: readiness)
            return try master.run()
        } catch {
            Log.error("start failed", ["error": error])
            if readiness >= 0 {
                Daemon.report(readiness, "error: \(error)")
            } else {
                Commands.complain("\(error)")
            }
            SharedRegion.unlink(name: regionName)
            pidFile.remove()
            return 1
        }
    }
}
