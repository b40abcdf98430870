import Shared

/// A job as the task worker received it, with the worker it came from (its ack goes back there).
public struct ReceivedJob: Sendable {
    public let worker: Int
    public let id: UInt64
    public let kind: JobKind
    public let payload: [UInt8]
}

extension ReceivedJob {
    /// The room of a `messageReceived` job (its payload's "room"), nil for other jobs and for a
    /// payload that has none: what keeps one room's messages in order while some wait for a retry.
    var room: Int? {
        guard kind == .messageReceived, let value = try? JSONParser.parse(payload) else { return nil }
        return value["room"]?.intValue
    }
}

public struct JobOutcome: Sendable {
    public var status: JobStatus
    public var payload: [UInt8]

    public init(status: JobStatus, payload: [UInt8]) {
        self.status = status
        self.payload = payload
    }

    public static let done = JobOutcome(status: .done, payload: [])
}

/// Carries out a batch of jobs: everything that arrived in one loop turn, in arrival order. Blocking
/// is allowed here: this is a task worker, not a reactor. An outcome with status `unavailable` is
/// not acked: `JobRunner` runs the job again later.
public protocol JobExecutor: AnyObject {
    func execute(_ jobs: [ReceivedJob]) -> [JobOutcome]
}

/// Acks every job without doing anything (the server core before storage exists, and `noop` jobs).
public final class NoopExecutor: JobExecutor {
    public init() {}

    public func execute(_ jobs: [ReceivedJob]) -> [JobOutcome] {
        Array(repeating: .done, count: jobs.count)
    }
}

/// Feeds batches to an executor and acks the outcomes, except `unavailable` ones (database down):
/// those jobs are kept, unacked, for `retry()`, which the task worker calls after `retryDelay`
/// (0.5 s, doubling after each failed retry up to 5 s, back to 0.5 s once a retry succeeds).
/// While jobs wait, newer `messageReceived` jobs of their rooms queue behind them, so each room is
/// still written in seq order. Pure bookkeeping, no timers: the task worker owns those.
final class JobRunner {
    static let firstRetryDelay: Int64 = 500
    static let maxRetryDelay: Int64 = 5000

    private let executor: JobExecutor
    private let ack: (ReceivedJob, JobOutcome) -> Void
    /// Jobs to run again and those held behind them, in arrival order.
    private(set) var waiting: [ReceivedJob] = []
    /// The rooms of the `messageReceived` jobs in `waiting`, kept rather than recomputed per batch
    /// (`waiting` can grow large while the database is down).
    private var waitingRooms: Set<Int> = []
    /// How long to wait before the next `retry()`.
    private(set) var retryDelay = JobRunner.firstRetryDelay

    init(executor: JobExecutor, ack: @escaping (ReceivedJob, JobOutcome) -> Void) {
        self.executor = executor
        self.ack = ack
    }

    var hasWaiting: Bool { !waiting.isEmpty }

    /// Runs a new batch; returns how many jobs were acked.
    @discardableResult
    func run(_ jobs: [ReceivedJob]) -> Int {
        var now = jobs
        if !waitingRooms.isEmpty {
            now = []
            for job in jobs {
                // Run now, it could be stored before the older messages of its room.
                if let room = job.room, waitingRooms.contains(room) { waiting.append(job) } else { now.append(job) }
            }
        }
        let (acked, failed) = execute(now)
        keep(failed)
        return acked
    }

    /// Runs the waiting jobs again; returns how many were acked.
    @discardableResult
    func retry() -> Int {
        guard !waiting.isEmpty else { return 0 }
        let jobs = waiting
        waiting = []
        waitingRooms = []
        let (acked, failed) = execute(jobs)
        keep(failed)
        retryDelay = failed.isEmpty ? JobRunner.firstRetryDelay : min(retryDelay * 2, JobRunner.maxRetryDelay)
        return acked
    }

    private func execute(_ jobs: [ReceivedJob]) -> (acked: Int, failed: [ReceivedJob]) {
        guard !jobs.isEmpty else { return (0, []) }
        let outcomes = executor.execute(jobs)
        var failed: [ReceivedJob] = []
        for (job, outcome) in zip(jobs, outcomes) {
            if outcome.status == .unavailable { failed.append(job) } else { ack(job, outcome) }
        }
        return (jobs.count - failed.count, failed)
    }

    private func keep(_ jobs: [ReceivedJob]) {
        waiting += jobs
        for job in jobs { if let room = job.room { waitingRooms.insert(room) } }
    }
}
