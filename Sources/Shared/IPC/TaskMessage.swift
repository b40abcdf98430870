/// What a job asks a task worker to do.
public enum JobKind: UInt8, Sendable {
    /// Does nothing; acked at once (health checks, tests).
    case noop = 0
    /// A chat message to store (`MessageReceived` in the tutorial).
    case messageReceived = 1
    /// A request/answer job: a JSON object with an "op" (register, login, history, ...); the ack
    /// carries the JSON answer. See `Sources/TaskWorker/Storage/JOBS.md`.
    case api = 2
}

/// How a task worker answers a job.
public enum JobStatus: UInt8, Sendable {
    case done = 0
    /// The job was understood and refused for good (bad input); do not retry.
    case rejected = 1
    /// The database is unreachable; the task worker keeps the job and retries it (never sent on
    /// the wire as an ack: an unacked job stays pending at its worker).
    case unavailable = 2
}

/// Messages on a worker <-> task worker link: jobs one way, acks the other. Each travels as one
/// length-delimited IPC message (a SEQPACKET record), so a job is never half-read.
public enum TaskMessage: Sendable {
    case job(id: UInt64, kind: JobKind, payload: [UInt8])
    case ack(id: UInt64, status: JobStatus, payload: [UInt8])

    private static let jobTag: UInt8 = 1
    private static let ackTag: UInt8 = 2

    /// The header of a job; the payload follows as the rest of the message (sent without copying).
    public static func jobHeader(id: UInt64, kind: JobKind) -> [UInt8] {
        var w = ByteWriter(capacity: 10)
        w.u8(jobTag)
        w.u64(id)
        w.u8(kind.rawValue)
        return w.bytes
    }

    public static func ackHeader(id: UInt64, status: JobStatus) -> [UInt8] {
        var w = ByteWriter(capacity: 10)
        w.u8(ackTag)
        w.u64(id)
        w.u8(status.rawValue)
        return w.bytes
    }

    public func encoded() -> [UInt8] {
        switch self {
        case .job(let id, let kind, let payload): return TaskMessage.jobHeader(id: id, kind: kind) + payload
        case .ack(let id, let status, let payload): return TaskMessage.ackHeader(id: id, status: status) + payload
        }
    }

    public init?(decoding bytes: UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        guard let tag = r.u8(), let id = r.u64(), let code = r.u8() else { return nil }
        let payload = Array(r.rest())
        switch tag {
        case TaskMessage.jobTag:
            guard let kind = JobKind(rawValue: code) else { return nil }
            self = .job(id: id, kind: kind, payload: payload)
        case TaskMessage.ackTag:
            guard let status = JobStatus(rawValue: code) else { return nil }
            self = .ack(id: id, status: status, payload: payload)
        default:
            return nil
        }
    }
}
