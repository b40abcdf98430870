import Shared

/// The retiring side of a worker reload. The worker stops accepting, lets every connection reach
/// a clean point (between requests, between WebSocket messages, no close under way) and pauses it
/// there, and waits for the acks of its jobs, so that every receipt is sent before it goes. Then it
/// stops reading its peers, task workers and master (what they send from now on waits in the
/// sockets for its successor), passes the online picture, each polling session and each connection
/// with its unread and unsent bytes over the slot's hand-over socket, and exits once all is sent.
final class HandOverSender {
    private enum Phase { case quiescing, sending, done }

    private unowned let worker: ReactorWorker
    private let id: UInt64
    private let deadline: Int64
    private var phase = Phase.quiescing
    private var timer: TimerID?
    private var channel: MessageChannel?
    private var endSent = false
    /// False once a record could not be queued (the socket stuck): the successor is then told the
    /// hand-over is incomplete, so it rebuilds its presence and frees the rows that never came.
    private var everythingSent = true
    private let startedAt: Int64

    init(worker: ReactorWorker, id: UInt64) {
        self.worker = worker
        self.id = id
        startedAt = Clock.monotonicMilliseconds()
        // Leaves the master's own deadline (shutdown timeout + 5 s) room for the sending.
        deadline = worker.loop.now + max(1000, worker.configuration.shutdownTimeout * 1000 - 1000)
    }

    func begin() {
        Log.info("handing over", ["connections": worker.connections.count, "pending_jobs": worker.tasks.pendingCount])
        worker.engineIO.prepareHandOver()
        timer = worker.loop.scheduleRepeating(every: 5) { [weak self] in self?.tick() }
        tick()
    }

    private func tick() {
        switch phase {
        case .quiescing: quiesce()
        case .sending: finishSending()
        case .done: break
        }
    }

    /// Pauses every connection at a clean point; cuts over once all are there and no job is out.
    private func quiesce() {
        var unclean = 0
        worker.connections.forEach { connection in
            if connection.handOverSnapshot != nil {
                connection.pauseReading()
            } else {
                unclean += 1
            }
        }
        let jobs = worker.tasks.pendingCount
        if unclean == 0 && jobs == 0 {
            cutOver()
        } else if worker.loop.now >= deadline {
            Log.warn("hand-over deadline: passing what is ready", ["unready_connections": unclean, "pending_jobs": jobs])
            cutOver()
        }
    }

    private func cutOver() {
        phase = .sending
        worker.stopReadingPeers()
        let dropped = dropWhatCannotTravel()
        let chat = worker.chat!
        chat.flushCountsNow()
        let channel = MessageChannel(fd: worker.context.topology.handOver[worker.slot].master, label: "hand-over", loop: worker.loop)
        self.channel = channel
        do {
            try channel.start(reading: false)
        } catch {
            Log.error("hand-over socket unusable; exiting without passing connections", ["error": error])
            phase = .done
            worker.loop.stop()
            return
        }
        // Each snapshot is taken once, now that nothing can change them any more (no input, no
        // peer messages, every job acked); after the drops every one of them can travel.
        everythingSent = channel.send(HandOverRecord.presence(chat.presenceForHandOver).encoded())
        var sessions = 0
        for session in worker.engineIO.pollingSessions {
            guard let snapshot = session.handOverSnapshot() else { continue }
            if channel.send(HandOverRecord.pollingSession(snapshot).encoded()) { sessions += 1 } else { everythingSent = false }
        }
        var connections: [Connection] = []
        worker.connections.forEach { connections.append($0) }
        var passed = 0
        for connection in connections {
            guard let snapshot = connection.handOverSnapshot else { continue }
            let row = connection.row
            let (fd, unread, unsent) = connection.detachForHandOver()
            // The channel closes our copy of the descriptor once it is sent (or could not be).
            if channel.send(HandOverRecord.connection(row: row, unread: unread, unsent: unsent, snapshot).encoded(), fds: [fd]) {
                passed += 1
            } else {
                everythingSent = false
                worker.context.region.connections.remove(row)
            }
        }
        worker.engineIO.forgetSessions()
        chat.forgetConnections()
        worker.broadcastHub.forgetMembers()
        Log.info("connections handed over", ["connections": passed, "polling_sessions": sessions, "dropped": dropped,
                                             "ms": Clock.monotonicMilliseconds() - startedAt])
        finishSending()
    }

    /// What cannot travel (only after the deadline) ends here, as a closed connection would: its
    /// user leaves the room, and the others hear of it before their state is taken.
    private func dropWhatCannotTravel() -> Int {
        var dropped = 0
        worker.connections.forEach { connection in
            if connection.handOverSnapshot == nil {
                dropped += 1
                connection.close(.shutdown)
            }
        }
        for session in worker.engineIO.pollingSessions where session.handOverSnapshot() == nil {
            dropped += 1
            session.close(reason: "server reloading", graceful: false)
        }
        return dropped
    }

    /// The end record goes only once our own messages to peers and task workers are out: the
    /// successor writes to the same sockets, and ours must come first.
    private func finishSending() {
        guard let channel else { return }
        if !endSent {
            guard !worker.peers.hasQueuedData, !worker.tasks.hasQueuedData else { return }
            channel.send(HandOverEnd(id: id, complete: everythingSent).encoded())
            endSent = true
        }
        if !channel.hasQueuedData {
            phase = .done
            if let timer { worker.loop.cancel(timer) }
            Log.info("hand-over sent", ["ms": Clock.monotonicMilliseconds() - startedAt])
            worker.loop.stop()
        }
    }
}
