import Shared

/// `/ws`, the tutorial's first server: every text message goes to every open `/ws` connection on
/// every worker. The frame is encoded once, written to this worker's members, and sent once to each
/// other worker, which writes the same bytes to its members.
final class BroadcastHub: WebSocketEndpoint {
    private unowned let worker: ReactorWorker
    private var members = MemberList()
    private var roundRobin: UInt64 = 0

    init(worker: ReactorWorker) {
        self.worker = worker
    }

    var memberCount: Int { members.count }

    func opened(_ session: WebSocketSession) {
        members.insert(session)
    }

    func closed(_ session: WebSocketSession) {
        members.remove(session)
    }

    func received(_ session: WebSocketSession, _ kind: WebSocketMessageKind, _ payload: WebSocketMessagePayload) {
        guard kind == .text else {
            session.close(.unsupportedData, "only text messages are broadcast")
            return
        }
        let frame = payload.withUnsafeBytes { WebSocketFrames.text($0) }
        worker.counters.add(.messagesOut, 1)
        deliver(frame)
        worker.peers.broadcast(.webSocketBroadcast, frame.bytes)
        roundRobin &+= 1
        let submitted = payload.withUnsafeBytes { bytes in
            worker.tasks.submit(.messageReceived, payload: Array(bytes), route: roundRobin)
        }
        if !submitted {
            Log.warn("message not queued for storage: task queue full", ["conn": session.connection.id])
        }
    }

    /// Writes a frame to this worker's members (from a local sender or another worker).
    func deliver(_ frame: SharedBytes) {
        for member in members.sessions { member.send(frame) }
        worker.counters.add(.deliveries, Int64(members.count))
    }
}
