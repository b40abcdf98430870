import Glibc
import Shared

/// A task worker: reads jobs from every reactor worker's link, runs everything that arrived in one
/// loop turn as one batch, and acks each job back to the worker that sent it. Jobs the database
/// could not take are run again on a back-off timer (`JobRunner`). On SIGTERM it stops reading,
/// finishes the batch in hand, flushes its acks and exits; jobs still unread stay in the socketpairs
/// (the master holds them open) for its successor, and jobs still waiting for the database are
/// never acked, so their workers send them again to a live task worker.
public final class TaskWorkerProcess: MessageChannelDelegate, EventHandler, TurnEndHandler {
    private let context: ChildContext
    private let slot: Int
    private let loop: EventLoop
    private var runner: JobRunner!
    private var retryTimer: TimerID?
    private var signalFD: Int32 = -1
    private var control: MessageChannel!
    private var links: [MessageChannel] = []
    private var batch: [ReceivedJob] = []
    private var batchScheduled = false
    private var stopping = false

    public static func run(_ context: ChildContext) -> Int32 {
        guard case .taskWorker(let slot) = context.role else { return 1 }
        Log.configure(role: "task#\(slot)")
        do {
            let executor = StorageExecutor(configuration: context.configuration)
            let process = try TaskWorkerProcess(context: context, slot: slot, executor: executor)
            return try process.serve()
        } catch {
            Log.error("task worker failed", ["error": error])
            return 1
        }
    }

    init(context: ChildContext, slot: Int, executor: JobExecutor) throws {
        self.context = context
        self.slot = slot
        loop = try EventLoop()
        runner = JobRunner(executor: executor) { [unowned self] job, outcome in
            if job.kind == .messageReceived && outcome.status == .done { counters.add(.messagesStored, 1) }
            outcome.payload.withUnsafeBytes { body in
                _ = links[job.worker].send(header: TaskMessage.ackHeader(id: job.id, status: outcome.status), body: body)
            }
        }
    }

    private func serve() throws -> Int32 {
        (signalFD, control) = try context.openChildChannels(loop: loop, signalHandler: self, delegate: self)
        for worker in 0..<context.topology.workerCount {
            let link = MessageChannel(fd: context.topology.taskLinks[worker][slot].task, label: "link:worker#\(worker)", loop: loop,
                                     coalescing: true)
            link.delegate = self
            try link.start()
            links.append(link)
        }
        control.send(ControlMessage.ready.encoded())
        loop.run()
        return 0
    }

    // MARK: jobs

    public func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        for fd in fds { FileDescriptor.close(fd) }
        if channel === control {
            if ControlMessage(decoding: message) == .reopenLog { Log.reopen() }
            return
        }
        guard let worker = links.firstIndex(where: { $0 === channel }) else { return }
        guard case .job(let id, let kind, let payload)? = TaskMessage(decoding: message) else {
            Log.warn("malformed message from worker dropped", ["worker": worker, "bytes": message.count])
            return
        }
        batch.append(ReceivedJob(worker: worker, id: id, kind: kind, payload: payload))
        counters.add(.jobsReceived, 1)
        counters.add(.taskBacklog, 1)
        if !batchScheduled {
            batchScheduled = true
            loop.deferToTurnEnd(self)
        }
    }

    public func turnEnded() {
        batchScheduled = false
        runBatch()
        if stopping { finishStopping() }
    }

    private func runBatch() {
        guard !batch.isEmpty else { return }
        let jobs = batch
        batch.removeAll(keepingCapacity: true)
        let started = Clock.monotonicNanoseconds()
        counted(runner.run(jobs), of: jobs.count, since: started)
        scheduleRetry()
    }

    /// A batch ran (new jobs or a retry): acked jobs leave the backlog, waiting ones stay in it; the
    /// batch is counted and observed once, so `batches` and the histograms' counts agree.
    private func counted(_ acked: Int, of jobs: Int, since started: Int64) {
        counters.add(.jobsCompleted, Int64(acked))
        counters.add(.taskBacklog, -Int64(acked))
        counters.add(.batches, 1)
        MetricHistogram.batchSize.observe(Double(jobs), in: counters)
        MetricHistogram.batchSeconds.observe(Double(Clock.monotonicNanoseconds() - started) / 1e9, in: counters)
    }

    // MARK: retrying while the database is unavailable

    private func scheduleRetry() {
        guard runner.hasWaiting, retryTimer == nil, !stopping else { return }
        Log.warn("database unavailable; jobs kept for retry", ["jobs": runner.waiting.count, "retry_ms": runner.retryDelay])
        retryTimer = loop.schedule(after: runner.retryDelay) { [weak self] in
            guard let self else { return }
            self.retryTimer = nil
            guard !self.stopping else { return }
            let waited = self.runner.waiting.count
            let started = Clock.monotonicNanoseconds()
            self.counted(self.runner.retry(), of: waited, since: started)
            if self.runner.hasWaiting {
                self.scheduleRetry()
            } else {
                Log.info("database available again; waiting jobs written", ["jobs": waited])
            }
        }
    }

    public func channelClosed(_ channel: MessageChannel) {
        if channel === control {
            Log.warn("master is gone; stopping")
            beginStopping()
        }
    }

    // MARK: stopping

    public func handleEvents(_ events: IOEvents) {
        for signal in Signals.read(signalFD) {
            switch signal {
            case SIGTERM: beginStopping()
            case SIGHUP: Log.reopen()
            default: break
            }
        }
    }

    private func beginStopping() {
        guard !stopping else { return }
        stopping = true
        Log.info("stopping")
        context.region.processes.setState(kind: .taskWorker, slot: slot, ProcessState.stopping.rawValue)
        // Stop taking jobs; what is already in hand is finished at the end of this turn. Jobs
        // waiting for the database are not retried any more and stay unacked.
        for link in links { link.stopReading() }
        if let retryTimer { loop.cancel(retryTimer) }
        retryTimer = nil
        if runner.hasWaiting { Log.warn("stopping with jobs not written; left unacked", ["jobs": runner.waiting.count]) }
        if !batchScheduled {
            batchScheduled = true
            loop.deferToTurnEnd(self)
        }
        let deadline = Clock.monotonicMilliseconds() + context.configuration.shutdownTimeout * 1000
        loop.scheduleRepeating(every: 20) { [weak self] in
            guard let self else { return }
            if Clock.monotonicMilliseconds() > deadline {
                Log.warn("acks still queued at shutdown deadline")
                self.loop.stop()
            }
            self.finishStopping()
        }
    }

    private func finishStopping() {
        guard batch.isEmpty, links.allSatisfy({ !$0.hasQueuedData }) else { return }
        loop.stop()
    }

    private var counters: SlotCounters { SlotCounters(region: context.region, kind: .taskWorker, slot: slot) }
}
