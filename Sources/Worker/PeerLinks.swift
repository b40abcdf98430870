import Shared

/// What workers tell each other.
enum PeerMessageKind: UInt8 {
    /// An encoded `/ws` text frame, for every `/ws` member.
    case webSocketBroadcast = 1
    /// A client connection passed to the worker that owns its Engine.IO session: the socket travels
    /// as SCM_RIGHTS, the body is the request already read from it (see ConnectionHandOff).
    case connectionHandOff = 2
    /// The chat's own messages (`ChatPeerMessage`).
    case chat = 3
}

/// The links to the other reactor workers (a full mesh of socketpairs). A broadcast is one
/// datagram per other worker, carrying the already-encoded frame.
final class PeerLinks: MessageChannelDelegate {
    private unowned let worker: ReactorWorker
    private var links: [MessageChannel?]
    private var alive: [Bool]

    /// `reading` false: messages are sent but none read until `startReading` (a worker adopting its
    /// predecessor's connections must not read what that predecessor may still be reading).
    init(worker: ReactorWorker, reading: Bool = true) throws {
        self.worker = worker
        let topology = worker.context.topology
        links = Array(repeating: nil, count: topology.workerCount)
        alive = Array(repeating: true, count: topology.workerCount)
        for other in 0..<topology.workerCount where other != worker.slot {
            let channel = MessageChannel(fd: topology.mesh[worker.slot][other], label: "peer:worker#\(other)", loop: worker.loop,
                                         coalescing: true)
            channel.delegate = self
            try channel.start(reading: reading)
            links[other] = channel
        }
    }

    /// A dead worker is skipped (its clients are gone); it is told again once it is back.
    func setPeer(_ slot: Int, alive isAlive: Bool) {
        guard slot < alive.count else { return }
        alive[slot] = isAlive
    }

    /// Whether `slot` is another worker that is running (as far as the master has told us).
    func isAlive(_ slot: Int) -> Bool {
        slot >= 0 && slot < links.count && links[slot] != nil && alive[slot]
    }

    var hasQueuedData: Bool { links.contains { $0?.hasQueuedData ?? false } }

    func startReading() { for link in links { link?.startReading() } }

    /// Messages from now on stay in the sockets for this slot's next process (a hand-over).
    func stopReading() { for link in links { link?.stopReading() } }

    func broadcast(_ kind: PeerMessageKind, _ body: UnsafeRawBufferPointer) {
        let header = [kind.rawValue]
        for (slot, link) in links.enumerated() {
            guard let link, alive[slot] else { continue }
            link.send(header: header, body: body)
        }
    }

    func broadcast(_ kind: PeerMessageKind, _ body: [UInt8]) {
        body.withUnsafeBytes { broadcast(kind, $0) }
    }

    /// One message to one worker; false if it is not running or its link is stuck.
    @discardableResult
    func send(to slot: Int, _ kind: PeerMessageKind, _ body: [UInt8]) -> Bool {
        guard isAlive(slot), let link = links[slot] else { return false }
        return body.withUnsafeBytes { link.send(header: [kind.rawValue], body: $0) }
    }

    /// Passes a client socket and the bytes already read from it to worker `slot`. Takes `fd`: it is
    /// closed here once sent (the receiver has its own copy by then) or if it cannot be sent.
    @discardableResult
    func handOff(_ fd: Int32, to slot: Int, request: [UInt8]) -> Bool {
        guard isAlive(slot), let link = links[slot] else {
            FileDescriptor.close(fd)
            return false
        }
        return request.withUnsafeBytes { link.send(header: [PeerMessageKind.connectionHandOff.rawValue], body: $0, fds: [fd]) }
    }

    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        guard message.count >= 1, let kind = PeerMessageKind(rawValue: message[0]) else {
            for fd in fds { FileDescriptor.close(fd) }
            Log.warn("malformed peer message dropped", ["channel": channel.label])
            return
        }
        worker.counters.add(.peerMessagesIn, 1)
        let body = UnsafeRawBufferPointer(rebasing: message[1...])
        if kind != .connectionHandOff {
            for fd in fds { FileDescriptor.close(fd) }
        }
        switch kind {
        case .webSocketBroadcast:
            worker.broadcastHub.deliver(SharedBytes(body))
        case .connectionHandOff:
            guard fds.count == 1 else {
                for fd in fds { FileDescriptor.close(fd) }
                Log.warn("connection hand-off without exactly one descriptor dropped", ["channel": channel.label, "fds": fds.count])
                return
            }
            worker.adoptHandedOffConnection(fds[0], request: Array(body))
        case .chat:
            guard let slot = links.firstIndex(where: { $0 === channel }), let decoded = ChatPeerMessage(decoding: body) else {
                Log.warn("malformed chat peer message dropped", ["channel": channel.label])
                return
            }
            worker.chat.peerMessage(decoded, from: slot)
        }
    }

    func channelClosed(_ channel: MessageChannel) {}
}
