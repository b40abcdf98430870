import Shared

/// What workers tell each other.
enum PeerMessageKind: UInt8 {
    /// An encoded `/ws` text frame, for every `/ws` member.
    case webSocketBroadcast = 1
}

/// The links to the other reactor workers (a full mesh of socketpairs). A broadcast is one
/// datagram per other worker, carrying the already-encoded frame.
final class PeerLinks: MessageChannelDelegate {
    private unowned let worker: ReactorWorker
    private var links: [MessageChannel?]
    private var alive: [Bool]

    init(worker: ReactorWorker) throws {
        self.worker = worker
        let topology = worker.context.topology
        links = Array(repeating: nil, count: topology.workerCount)
        alive = Array(repeating: true, count: topology.workerCount)
        for other in 0..<topology.workerCount where other != worker.slot {
            let channel = MessageChannel(fd: topology.mesh[worker.slot][other], label: "peer:worker#\(other)", loop: worker.loop)
            channel.delegate = self
            try channel.start()
            links[other] = channel
        }
    }

    /// A dead worker is skipped (its clients are gone); it is told again once it is back.
    func setPeer(_ slot: Int, alive isAlive: Bool) {
        guard slot < alive.count else { return }
        alive[slot] = isAlive
    }

    var hasQueuedData: Bool { links.contains { $0?.hasQueuedData ?? false } }

    func broadcast(_ kind: PeerMessageKind, _ body: UnsafeRawBufferPointer) {
        let header = [kind.rawValue]
        for (slot, link) in links.enumerated() {
            guard let link, alive[slot] else { continue }
            link.send(header: header, body: body)
        }
    }

    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        for fd in fds { FileDescriptor.close(fd) }
        guard message.count >= 1, let kind = PeerMessageKind(rawValue: message[0]) else {
            Log.warn("malformed peer message dropped", ["channel": channel.label])
            return
        }
        worker.counters.add(.peerMessagesIn, 1)
        let body = UnsafeRawBufferPointer(rebasing: message[1...])
        switch kind {
        case .webSocketBroadcast:
            worker.broadcastHub.deliver(SharedBytes(body))
        }
    }

    func channelClosed(_ channel: MessageChannel) {}
}
