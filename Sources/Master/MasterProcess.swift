import CShim
import Glibc
import Shared
import TaskWorker
import Worker

/// The master cycle (nginx's ngx_master_process_cycle is the model): it owns the listening socket,
/// the shared memory and every socketpair; it forks the children, respawns any that dies, and turns
/// signals into actions. It never touches client traffic.
///
///   SIGTERM, SIGINT  graceful stop: workers first (they close WebSockets with 1001), then task workers
///   SIGUSR1          reload the workers one at a time, each handing its connections to its successor
///   SIGUSR2          reload the task workers one at a time (each finishes its batch first)
///   SIGHUP           reopen the log file, in every process
///   SIGCHLD          reap, then respawn (with back-off) or continue a reload or a stop
final class MasterProcess: MessageChannelDelegate, EventHandler {
    private enum Phase { case starting, running, stopping }

    private struct Reload {
        let kind: ProcessKind
        var queue: [Int]
        var current: Int?
    }

    private let configuration: Configuration
    private let topology: ProcessTopology
    private let region: SharedRegion
    private let pidFile: PidFile
    private let loop: EventLoop
    private var readinessFD: Int32
    private var signalFD: Int32 = -1
    private var workers: [ChildSlot]
    private var taskWorkers: [ChildSlot]
    private var controls: [MessageChannel] = []
    private var phase = Phase.starting
    private var reload: Reload?
    private var pendingReloads: [ProcessKind] = []
    private var stopDeadline: TimerID?
    private var exitStatus: Int32 = 0
    private let masterPid = getpid()
    /// Children are exec'd from this file, so a reload runs the binary installed now.
    private var executable = ProcessImage.executablePath()
    private var lastHandOverID: UInt64 = 0
    private let systemd = SystemdNotifier.fromEnvironment()

    init(configuration: Configuration, topology: ProcessTopology, region: SharedRegion, pidFile: PidFile,
         readinessFD: Int32) throws {
        self.configuration = configuration
        self.topology = topology
        self.region = region
        self.pidFile = pidFile
        self.readinessFD = readinessFD
        self.loop = try EventLoop()
        workers = (0..<configuration.workers).map { ChildSlot(role: .worker($0)) }
        taskWorkers = (0..<configuration.taskWorkers).map { ChildSlot(role: .taskWorker($0)) }
    }

    /// Runs until the server has stopped; returns the process exit status.
    func run() throws -> Int32 {
        signalFD = try Signals.openSignalFD([SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT])
        Signals.ignore(SIGPIPE)
        try loop.register(signalFD, .readable, self)
        for (slot, pair) in topology.workerControl.enumerated() {
            try addControl(pair.master, label: "control:worker#\(slot)")
        }
        for (slot, pair) in topology.taskControl.enumerated() {
            try addControl(pair.master, label: "control:task#\(slot)")
        }
        Log.info("master started", ["pid": masterPid, "listen": "\(configuration.host):\(configuration.port)",
                                    "workers": workers.count, "task_workers": taskWorkers.count])
        // Task workers first, so the first job a worker submits finds one.
        for slot in taskWorkers.indices { spawn(.taskWorker(slot)) }
        for slot in workers.indices { spawn(.worker(slot)) }
        // A server that is not up in this time reports failure instead of hanging `start -d`.
        loop.schedule(after: 60_000) { [weak self] in
            guard let self, self.phase == .starting else { return }
            self.failStart("the workers did not report ready within 60 s")
        }
        loop.run()
        return exitStatus
    }

    private func addControl(_ fd: Int32, label: String) throws {
        let channel = MessageChannel(fd: fd, label: label, loop: loop)
        channel.delegate = self
        try channel.start()
        controls.append(channel)
    }

    // MARK: children

    private func slot(_ role: ProcessRole) -> ChildSlot {
        switch role {
        case .worker(let i): return workers[i]
        case .taskWorker(let i): return taskWorkers[i]
        }
    }

    private func update(_ role: ProcessRole, _ change: (inout ChildSlot) -> Void) {
        switch role {
        case .worker(let i): change(&workers[i])
        case .taskWorker(let i): change(&taskWorkers[i])
        }
    }

    private var allSlots: [ChildSlot] { workers + taskWorkers }

    /// `handOverID` non-zero: the new worker first adopts the connections of the hand-over.
    private func spawn(_ role: ProcessRole, handOverID: UInt64 = 0) {
        update(role) { $0.restartTimer = nil }
        fflush(nil)
        let pid = fork()
        if pid < 0 {
            Log.error("fork failed", ["role": role, "error": Errno.describe(errno)])
            scheduleRespawn(role, after: 1000)
            return
        }
        if pid == 0 { runChild(role, handOverID: handOverID) }
        let now = Clock.monotonicMilliseconds()
        update(role) {
            $0.pid = pid
            $0.startedAt = now
            $0.ready = false
            $0.retiring = false
            $0.handOverID = handOverID
        }
        let (kind, index) = role.kindAndSlot
        region.processes.started(kind: kind, slot: index, pid: pid, nowMs: UInt64(Clock.wallMilliseconds()))
        region.processes.setState(kind: kind, slot: index, ProcessState.starting.rawValue)
        Log.info("process started", ["role": role, "pid": pid])
    }

    /// The child side of fork: shed the master's descriptors and signal set-up, then exec the
    /// binary as the role (see `ChildLaunch`); only if exec fails, become the role in this image.
    private func runChild(_ role: ProcessRole, handOverID: UInt64) -> Never {
        Signals.resetForChild()
        _ = cshim_set_parent_death_signal(SIGTERM)
        if getppid() != masterPid { _exit(1) }
        FileDescriptor.close(signalFD)
        FileDescriptor.close(loop.descriptor)
        pidFile.closeInChild()
        FileDescriptor.close(readinessFD)
        topology.closeOthers(keeping: role)
        if let executable {
            let launch = ChildLaunch(role: role, handOverID: handOverID,
                                     regionName: SharedRegion.name(forPidFile: configuration.pidFile),
                                     topology: topology, configuration: configuration)
            let kept = topology.descriptors(for: role)
            for fd in kept { FileDescriptor.setCloseOnExec(fd, false) }
            setenv(ChildLaunch.environmentVariable, launch.encoded(), 1)
            let code = ProcessImage.exec(executable, [executable, ChildLaunch.verb, role.description])
            for fd in kept { FileDescriptor.setCloseOnExec(fd, true) }
            unsetenv(ChildLaunch.environmentVariable)
            Log.warn("exec failed; running the master's image instead", ["path": executable, "error": Errno.describe(code)])
        }
        let context = ChildContext(role: role, configuration: configuration, topology: topology, region: region,
                                   handOverID: handOverID)
        let status: Int32
        switch role {
        case .worker: status = ReactorWorker.run(context)
        case .taskWorker: status = TaskWorkerProcess.run(context)
        }
        fflush(nil)
        _exit(status)
    }

    private func scheduleRespawn(_ role: ProcessRole, after delay: Int64) {
        if delay <= 0 {
            spawn(role)
            return
        }
        Log.warn("respawn delayed", ["role": role, "delay_ms": delay])
        let timer = loop.schedule(after: delay) { [weak self] in
            guard let self, self.phase != .stopping else { return }
            self.spawn(role)
        }
        update(role) { $0.restartTimer = timer }
    }

    private func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            let exitStatus = ProcessStatus(waitStatus: status)
            if let role = allSlots.first(where: { $0.handingOverPid == pid })?.role {
                handedOver(role, pid: pid, status: exitStatus)
                continue
            }
            guard let role = allSlots.first(where: { $0.pid == pid })?.role else { continue }
            childExited(role, pid: pid, status: exitStatus)
        }
    }

    private func childExited(_ role: ProcessRole, pid: Int32, status: ProcessStatus) {
        let record = slot(role)
        update(role) {
            $0.pid = nil
            $0.ready = false
        }
        if status == .exited(ChildEntry.incompatible), let path = executable {
            // The binary now installed cannot join this server: keep serving with the master's image.
            Log.error("the installed binary cannot join the running server; children now run the master's own image (use restart to upgrade)",
                      ["path": path])
            executable = nil
        }
        let (kind, index) = role.kindAndSlot
        region.processes.exited(kind: kind, slot: index)
        for gauge in Counter.gauges { region.processes.set(gauge.rawValue, 0, kind: kind, slot: index) }
        if case .worker(let w) = role {
            let reclaimed = region.connections.reclaim(worker: w)
            if reclaimed > 0 { Log.info("connections of exited worker released", ["role": role, "count": reclaimed]) }
        }
        broadcastToWorkers(.peerExited(role))
        if record.retiring || phase == .stopping {
            Log.info("process exited", ["role": role, "pid": pid, "status": status])
        } else {
            Log.warn("process exited unexpectedly", ["role": role, "pid": pid, "status": status])
        }

        switch phase {
        case .stopping:
            continueStopping()
        case .starting where !record.retiring:
            failStart("\(role) exited during start-up (\(status))")
        case .starting, .running:
            if let reload, reload.current == index, reload.kind == kind {
                // A successor that died while adopting starts again and reads on where it stopped.
                spawn(role, handOverID: record.handOverID)
                return
            }
            if record.retiring {
                spawn(role)
                return
            }
            region.processes.addGlobal(kind == .worker ? GlobalCounter.workerRestarts.rawValue
                                                       : GlobalCounter.taskWorkerRestarts.rawValue, 1)
            var delay: Int64 = 0
            update(role) { delay = $0.backoffAfterCrash(now: Clock.monotonicMilliseconds()) }
            scheduleRespawn(role, after: delay)
        }
    }

    /// The retiring worker of a hand-over exited. Its connections, rows and presence now belong to
    /// its successor: nothing is reclaimed and nobody is told a worker left.
    private func handedOver(_ role: ProcessRole, pid: Int32, status: ProcessStatus) {
        let record = slot(role)
        update(role) { $0.handingOverPid = nil }
        if status.isCleanExit {
            Log.info("process handed over its connections and exited", ["role": role, "pid": pid])
        } else {
            Log.warn("process exited during its hand-over", ["role": role, "pid": pid, "status": status])
            // The successor waits for the end of the hand-over; it will not come from the dead.
            if case .worker(let index) = role, record.handOverID != 0, record.pid != nil {
                MessageChannel.sendWhole(HandOverEnd(id: record.handOverID, complete: false).encoded(),
                                         on: topology.handOver[index].master)
            }
        }
        if phase == .stopping { continueStopping() }
    }

    private func childReady(_ role: ProcessRole) {
        guard slot(role).pid != nil else { return }
        update(role) {
            $0.ready = true
            $0.handOverID = 0
        }
        let (kind, index) = role.kindAndSlot
        region.processes.setState(kind: kind, slot: index, ProcessState.running.rawValue)
        broadcastToWorkers(.peerStarted(role))
        Log.debug("process ready", ["role": role])
        if phase == .starting, allSlots.allSatisfy(\.ready) {
            phase = .running
            let pids = workers.compactMap(\.pid).map(String.init).joined(separator: ",")
            Log.info("server ready", ["listen": "\(configuration.host):\(configuration.port)", "workers": pids])
            Daemon.report(readinessFD, "ok pid \(masterPid), listening on \(configuration.host):\(configuration.port)")
            readinessFD = -1
            systemd.send(.ready(status: servingStatus, mainPid: masterPid))
        }
        if let reload, reload.current == index, reload.kind == kind {
            continueReload()
        }
    }

    /// For `systemctl status`.
    private var servingStatus: String {
        "serving on \(configuration.host):\(configuration.port), \(workers.count) workers, \(taskWorkers.count) task workers"
    }

    private func failStart(_ reason: String) {
        Log.error("start failed", ["reason": reason])
        Daemon.report(readinessFD, "error: \(reason)")
        readinessFD = -1
        exitStatus = 1
        beginStop()
    }

    private func broadcastToWorkers(_ message: ControlMessage) {
        let bytes = message.encoded()
        for (slot, record) in workers.enumerated() where record.pid != nil {
            controls[slot].send(bytes)
        }
    }

    // MARK: reload

    private func requestReload(_ kind: ProcessKind) {
        guard phase == .running else {
            Log.warn("reload ignored: server is not running yet", ["kind": kind])
            return
        }
        if reload != nil {
            if !pendingReloads.contains(kind) { pendingReloads.append(kind) }
            return
        }
        let count = kind == .worker ? workers.count : taskWorkers.count
        region.processes.addGlobal(GlobalCounter.reloads.rawValue, 1)
        Log.info("reload started", ["kind": kind, "processes": count])
        reload = Reload(kind: kind, queue: Array(0..<count), current: nil)
        systemd.send(.reloading(status: "reloading \(kind == .worker ? "workers" : "task workers")",
                                monotonicMicroseconds: Clock.monotonicNanoseconds() / 1000))
        continueReload()
    }

    /// Replaces the next process of the reload (a worker hands its connections to a successor
    /// started at once; a task worker is retired and its exit spawns the successor); the
    /// successor's ready message comes back here.
    private func continueReload() {
        guard var plan = reload else { return }
        guard !plan.queue.isEmpty else {
            Log.info("reload finished", ["kind": plan.kind])
            reload = nil
            systemd.send(.ready(status: servingStatus, mainPid: masterPid))
            if !pendingReloads.isEmpty { requestReload(pendingReloads.removeFirst()) }
            return
        }
        let index = plan.queue.removeFirst()
        plan.current = index
        reload = plan
        let role: ProcessRole = plan.kind == .worker ? .worker(index) : .taskWorker(index)
        let total = plan.kind == .worker ? workers.count : taskWorkers.count
        systemd.send(.status("reloading \(plan.kind == .worker ? "workers" : "task workers") \(index + 1)/\(total)"))
        guard let pid = slot(role).pid else {
            if let timer = slot(role).restartTimer { loop.cancel(timer) }
            spawn(role)
            return
        }
        if plan.kind == .worker {
            handOver(index, from: pid)
        } else {
            retire(role, pid: pid)
        }
    }

    /// A worker's reload: the running process passes its connections to a new one started at once
    /// in the same slot, which reads them from the slot's hand-over socket, then the old one exits.
    private func handOver(_ index: Int, from pid: Int32) {
        let role = ProcessRole.worker(index)
        lastHandOverID += 1
        let id = lastHandOverID
        update(role) {
            $0.handingOverPid = pid
            $0.pid = nil
            $0.ready = false
        }
        region.processes.setState(kind: .worker, slot: index, ProcessState.stopping.rawValue)
        controls[index].send(ControlMessage.handOver(id: id).encoded())
        spawn(role, handOverID: id)
        let timeout = configuration.shutdownTimeout * 1000 + 5000
        loop.schedule(after: timeout) { [weak self] in
            guard let self, self.slot(role).handingOverPid == pid else { return }
            Log.warn("hand-over did not finish in time, killing the old process", ["role": role, "pid": pid])
            kill(pid, SIGKILL)
        }
    }

    private func retire(_ role: ProcessRole, pid: Int32) {
        update(role) { $0.retiring = true }
        let (kind, index) = role.kindAndSlot
        region.processes.setState(kind: kind, slot: index, ProcessState.stopping.rawValue)
        kill(pid, SIGTERM)
        let timeout = configuration.shutdownTimeout * 1000
        loop.schedule(after: timeout) { [weak self] in
            guard let self, self.slot(role).pid == pid else { return }
            Log.warn("process did not stop in time, killing it", ["role": role, "pid": pid])
            kill(pid, SIGKILL)
        }
    }

    // MARK: stopping

    private func beginStop() {
        guard phase != .stopping else { return }
        phase = .stopping
        reload = nil
        systemd.send(.stopping(status: "stopping"))
        Log.info("stopping")
        topology.closeListener()
        for record in allSlots {
            if let timer = record.restartTimer { loop.cancel(timer) }
        }
        // Workers first: they flush their jobs to the task workers, which must still be there.
        for record in workers {
            if let pid = record.pid { retire(record.role, pid: pid) }
        }
        continueStopping()
    }

    private func continueStopping() {
        if workers.contains(where: { $0.pid != nil || $0.handingOverPid != nil }) { return }
        let remaining = taskWorkers.filter { $0.pid != nil }
        if remaining.isEmpty {
            finish()
            return
        }
        for record in remaining where !record.retiring {
            retire(record.role, pid: record.pid!)
        }
    }

    private func finish() {
        Log.info("master stopped")
        region.unlink()
        pidFile.remove()
        loop.stop()
    }

    // MARK: events

    func handleEvents(_ events: IOEvents) {
        for signal in Signals.read(signalFD) {
            switch signal {
            case SIGCHLD: reap()
            case SIGTERM, SIGINT, SIGQUIT:
                Log.info("signal received", ["signal": Signals.name(signal)])
                beginStop()
            case SIGUSR1: requestReload(.worker)
            case SIGUSR2: requestReload(.taskWorker)
            case SIGHUP:
                Log.reopen()
                Log.info("log reopened")
                let bytes = ControlMessage.reopenLog.encoded()
                for (index, record) in allSlots.enumerated() where record.pid != nil {
                    controls[index].send(bytes)
                }
            default: break
            }
        }
    }

    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        for fd in fds { FileDescriptor.close(fd) }
        guard let index = controls.firstIndex(where: { $0 === channel }),
              let decoded = ControlMessage(decoding: message) else { return }
        let role: ProcessRole = index < workers.count ? .worker(index) : .taskWorker(index - workers.count)
        if decoded == .ready { childReady(role) }
    }

    func channelClosed(_ channel: MessageChannel) {}
}

extension ProcessRole {
    var kindAndSlot: (ProcessKind, Int) {
        switch self {
        case .worker(let slot): return (.worker, slot)
        case .taskWorker(let slot): return (.taskWorker, slot)
        }
    }
}
