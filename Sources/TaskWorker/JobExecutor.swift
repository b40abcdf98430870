import Shared

/// A job as the task worker received it, with the worker it came from (its ack goes back there).
public struct ReceivedJob: Sendable {
    public let worker: Int
    public let id: UInt64
    public let kind: JobKind
    public let payload: [UInt8]
}

public struct JobOutcome: Sendable {
    public var status: JobStatus
    public var payload: [UInt8]

    public static let done = JobOutcome(status: .done, payload: [])
}

/// Carries out a batch of jobs: everything that arrived in one loop turn, in arrival order. Blocking
/// is allowed here: this is a task worker, not a reactor.
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
