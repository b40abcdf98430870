import Glibc
import Shared

/// The worker's side of the task workers: jobs go out over the links, each is kept until its ack
/// comes back, and the jobs of a task worker that dies are sent again to another one (or to its
/// successor). Bounded: when full, `submit` refuses and the caller tells its client.
final class TaskQueue: MessageChannelDelegate {
    typealias Completion = (JobStatus, [UInt8]) -> Void

    private struct PendingJob {
        let kind: JobKind
        let payload: [UInt8]
        let route: UInt64
        var target: Int?
        /// Safe to run twice (idempotent writes); others fail when their task worker dies.
        let retryable: Bool
        let completion: Completion?
    }


    private unowned let worker: ReactorWorker
    private var links: [MessageChannel] = []
    private var alive: [Bool]
    private var pending: [UInt64: PendingJob] = [:]
    /// Ids of jobs waiting for any task worker to be up.
    private var parked: [UInt64] = []
    /// Ids are unique across this slot's successive processes (the pid is in the high bits), so a
    /// late ack meant for a predecessor never matches one of our jobs.
    private let idPrefix = UInt64(UInt32(bitPattern: getpid())) << 32
    private var sequence: UInt32 = 0

    /// `reading` false: messages are sent but none read until `startReading` (a worker adopting its
    /// predecessor's connections must not read what that predecessor may still be reading).
    init(worker: ReactorWorker, reading: Bool = true) throws {
        self.worker = worker
        let topology = worker.context.topology
        alive = Array(repeating: true, count: topology.taskWorkerCount)
        for t in 0..<topology.taskWorkerCount {
            let channel = MessageChannel(fd: topology.taskLinks[worker.slot][t].worker, label: "task#\(t)", loop: worker.loop, coalescing: true)
            channel.delegate = self
            try channel.start(reading: reading)
            links.append(channel)
        }
    }

    var pendingCount: Int { pending.count }

    func startReading() { for link in links { link.startReading() } }

    /// Acks from now on stay in the sockets for this slot's next process (a hand-over).
    func stopReading() { for link in links { link.stopReading() } }

    var hasQueuedData: Bool { links.contains { $0.hasQueuedData } }

    private var capacity: Int { worker.configuration.jobQueueLimit }

    /// Whether a job would be accepted now (checked before a message takes its room seq).
    var hasRoom: Bool { pending.count < capacity }

    /// Queues a job. `route` picks the task worker (the same route always goes to the same one, so
    /// one room's messages are written in order). False when the queue is full.
    @discardableResult
    func submit(_ kind: JobKind, payload: [UInt8], route: UInt64, retryable: Bool = true,
                completion: Completion? = nil) -> Bool {
        guard pending.count < capacity else {
            worker.counters.add(.jobsRejected, 1)
            return false
        }
        sequence &+= 1
        let id = idPrefix | UInt64(sequence)
        pending[id] = PendingJob(kind: kind, payload: payload, route: route, target: nil, retryable: retryable,
                                 completion: completion)
        worker.counters.add(.jobsSubmitted, 1)
        worker.counters.add(.jobsPending, 1)
        dispatch(id)
        return true
    }

    private func choose(_ route: UInt64) -> Int? {
        let count = links.count
        let preferred = Int(route % UInt64(count))
        for step in 0..<count where alive[(preferred + step) % count] {
            return (preferred + step) % count
        }
        return nil
    }

    private func dispatch(_ id: UInt64) {
        guard let job = pending[id] else { return }
        guard let target = choose(job.route) else {
            pending[id]?.target = nil
            parked.append(id)
            return
        }
        pending[id]?.target = target
        job.payload.withUnsafeBytes { body in
            _ = links[target].send(header: TaskMessage.jobHeader(id: id, kind: job.kind), body: body)
        }
    }

    // MARK: task workers coming and going

    func taskWorkerExited(_ slot: Int) {
        guard slot < alive.count else { return }
        alive[slot] = false
        var resent = 0
        for (id, job) in pending where job.target == slot {
            if job.retryable {
                resent += 1
                dispatch(id)
            } else {
                complete(id, .rejected, Array("task worker stopped".utf8))
            }
        }
        if resent > 0 {
            worker.counters.add(.jobsResent, Int64(resent))
            Log.info("jobs of exited task worker sent again", ["task": slot, "jobs": resent])
        }
    }

    func taskWorkerStarted(_ slot: Int) {
        guard slot < alive.count else { return }
        alive[slot] = true
        let waiting = parked
        parked = []
        for id in waiting { dispatch(id) }
    }

    // MARK: acks

    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        for fd in fds { FileDescriptor.close(fd) }
        guard case .ack(let id, let status, let payload)? = TaskMessage(decoding: message) else {
            Log.warn("malformed message from task worker dropped", ["channel": channel.label])
            return
        }
        complete(id, status, payload)
    }

    private func complete(_ id: UInt64, _ status: JobStatus, _ payload: [UInt8]) {
        // A duplicate ack (the job was re-sent and both copies ran) finds nothing: ignored.
        guard let job = pending.removeValue(forKey: id) else { return }
        worker.counters.add(.jobsAcked, 1)
        worker.counters.add(.jobsPending, -1)
        job.completion?(status, payload)
    }

    func channelClosed(_ channel: MessageChannel) {}
}
