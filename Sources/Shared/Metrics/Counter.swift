/// Names for the per-process counters kept in shared memory (`ProcessTable`). Gauges go up and
/// down and are zeroed when their process exits; the rest only grow, across respawns, so sums over
/// the slots are what Prometheus expects of a counter.
public enum Counter: Int, CaseIterable, Sendable {
    // reactor workers
    case connections = 0            // gauge: open client sockets
    case webSocketConnections       // gauge
    case connectionsAccepted
    case connectionsRefused         // table full or over a limit
    case httpRequests
    case messagesIn                 // WebSocket data messages received
    case messagesOut                // messages this worker originated for broadcast
    case deliveries                 // frames queued to clients
    case bytesIn
    case bytesOut
    case slowClientsDropped
    case protocolErrors
    case peerMessagesIn             // broadcasts received from other workers
    case jobsSubmitted
    case jobsAcked
    case jobsPending                // gauge: sent to a task worker, not acked yet
    case jobsResent
    case jobsRejected               // queue full
    // task workers
    case jobsReceived
    case jobsCompleted
    case batches
    case taskBacklog                // gauge: received, not yet acked
    // chat
    case messagesRateLimited        // chat messages refused by the per-connection rate limit
    case apiRequests                // /api/* requests
    case connectionsHandedOff       // polling requests passed to the worker owning their session
    case messagesStored             // rows written by a task worker
    // task workers: the batches of jobs, as two histograms (one counter per bucket, not cumulative;
    // see `Histogram`): jobs per batch, and how long running a batch took (writes and commit)
    case batchSizeUpTo1, batchSizeUpTo10, batchSizeUpTo100, batchSizeUpTo1000, batchSizeMore
    case batchJobsSum
    case batchTimeUpTo1ms, batchTimeUpTo5ms, batchTimeUpTo10ms, batchTimeUpTo25ms, batchTimeUpTo50ms
    case batchTimeUpTo100ms, batchTimeUpTo250ms, batchTimeUpTo1s, batchTimeMore
    case batchTimeMicrosSum
    // rejected inputs, beyond those above
    case connectionsRefusedByAddress  // over --max-connections-per-ip (also in connectionsRefused)
    case eventsRefused                // chat events and /ws frames refused as invalid (an `error` answer)

    public var isGauge: Bool {
        switch self {
        case .connections, .webSocketConnections, .jobsPending, .taskBacklog: return true
        default: return false
        }
    }

    public static var gauges: [Counter] { allCases.filter(\.isGauge) }
}

/// Master-wide counters (the header's global array).
public enum GlobalCounter: Int, CaseIterable, Sendable {
    case workerRestarts = 0
    case taskWorkerRestarts
    case reloads
}

/// What a process slot is doing, stored in its shared-memory row for `status`.
public enum ProcessState: UInt32, Sendable {
    case stopped = 0
    case starting
    case running
    case stopping

    public var label: String {
        switch self {
        case .stopped: return "stopped"
        case .starting: return "starting"
        case .running: return "running"
        case .stopping: return "stopping"
        }
    }
}
