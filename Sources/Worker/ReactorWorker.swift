import Glibc
import Shared

/// A reactor worker process: one epoll loop serving HTTP, WebSocket and the chat protocol for the
/// connections it accepted, linked to the other workers (broadcast) and to the task workers (jobs).
public final class ReactorWorker: EventHandler, MessageChannelDelegate {
    let context: ChildContext
    let slot: Int
    let configuration: Configuration
    let loop: EventLoop
    let counters: SlotCounters
    let connections = ConnectionRegistry()
    /// One receive buffer for every connection of this process: reads land here and only bytes a
    /// handler cannot use yet are copied to the connection.
    let receiveBuffer: UnsafeMutableRawBufferPointer
    let maxOutputBuffer: Int

    private(set) var peers: PeerLinks!
    private(set) var tasks: TaskQueue!
    private(set) var router: Router!
    private(set) var broadcastHub: BroadcastHub!
    /// The application behind `/socket.io/`.
    var socketIOApplication: SocketIOApplication = SocketIOEchoApplication()
    /// The Engine.IO servers: `/socket.io/`, and `/echo.io/` with `--echo`.
    private(set) var engineIO: EngineIOMounts!
    private(set) var chat: ChatApplication!
    private(set) var api: APIRoutes!
    private var listener: Listener!
    private var control: MessageChannel!
    private var signalFD: Int32 = -1
    private(set) var stopping = false
    private var stopDeadline: Int64 = 0
    /// Set while this worker passes its connections to its successor (a reload).
    private var handOverSender: HandOverSender?
    /// A stop asked for while this worker was still adopting its predecessor's connections.
    private var adopting = false
    private var stopAfterAdoption = false
    /// `Date` and `Server` for every response; the date is refreshed once a second by the sweep.
    private(set) var standardHeaders = HTTPHeaders()

    public static func run(_ context: ChildContext) -> Int32 {
        guard case .worker(let slot) = context.role else { return 1 }
        Log.configure(role: "worker#\(slot)")
        do {
            let worker = try ReactorWorker(context: context, slot: slot)
            return try worker.serve()
        } catch {
            Log.error("worker failed", ["error": error])
            return 1
        }
    }

    init(context: ChildContext, slot: Int) throws {
        self.context = context
        self.slot = slot
        configuration = context.configuration
        loop = try EventLoop()
        counters = SlotCounters(region: context.region, kind: .worker, slot: slot)
        receiveBuffer = .allocate(byteCount: 256 * 1024, alignment: 16)
        // A single message must always fit, whatever the configured cap.
        maxOutputBuffer = max(configuration.maxOutputBuffer, configuration.maxMessageSize + 64 * 1024)
    }

    private func serve() throws -> Int32 {
        // A worker started by a reload reads nothing its predecessor may still be reading (master,
        // peers, task workers) until it has adopted that predecessor's connections.
        adopting = context.handOverID != 0
        (signalFD, control) = try context.openChildChannels(loop: loop, signalHandler: self, delegate: self,
                                                            startControl: !adopting)
        peers = try PeerLinks(worker: self, reading: !adopting)
        tasks = try TaskQueue(worker: self, reading: !adopting)
        broadcastHub = BroadcastHub(worker: self)
        chat = ChatApplication(worker: self, storage: StorageClient(worker: self))
        socketIOApplication = chat
        api = APIRoutes(worker: self)
        router = try Router(worker: self)
        engineIO = EngineIOMounts(worker: self)
        refreshStandardHeaders()

        var adopted: [Connection] = []
        var completeHandOver = true
        if adopting {
            let receiver = HandOverReceiver(worker: self, id: context.handOverID)
            try receiver.run()
            adopted = receiver.adopted
            completeHandOver = receiver.complete
            adopting = false
            peers.startReading()
            tasks.startReading()
            try control.start()
        }

        listener = Listener(fd: context.topology.listener, worker: self)
        try listener.start()
        loop.scheduleRepeating(every: 1000) { [weak self] in self?.sweep() }
        control.send(ControlMessage.ready.encoded())
        // After a complete hand-over the predecessor's picture of every slot came with it, and what
        // changed since waits in the peers' sockets, in order: nothing to ask the peers.
        if context.handOverID == 0 || !completeHandOver { chat.start() }
        if !completeHandOver {
            releaseUnadoptedRows(keeping: adopted)
            chat.rebuildOwnPresence()
        }
        // Everything is in place: what the adopted clients sent meanwhile is handled now.
        for connection in adopted { connection.resumeReading() }
        Log.debug("worker ready")
        if stopAfterAdoption { beginStopping() }
        loop.run()
        return 0
    }

    // MARK: connections

    func accepted(_ fd: Int32, peer: SocketAddress) {
        guard !stopping else {
            Glibc.close(fd)
            return
        }
        guard let row = admit(fd, peer: peer, adopted: false) else { return }
        Socket.setNoDelay(fd)
        let connection = Connection(fd: fd, row: row, peer: peer, worker: self, handler: HTTPSession(worker: self))
        guard watch(connection, .readable) else { return }
        counters.add(.connectionsAccepted, 1)
    }

    /// Puts a connection in the loop and the registry (accepted, passed by a peer, or adopted from
    /// the slot's previous process); if the loop refuses it, its socket and row are released.
    func watch(_ connection: Connection, _ interest: IOEvents) -> Bool {
        do {
            try loop.register(connection.fd, interest, connection)
        } catch {
            Log.warn("cannot watch connection", ["peer": connection.peer, "error": error])
            context.region.connections.remove(connection.row)
            Glibc.close(connection.fd)
            return false
        }
        connections.add(connection)
        counters.add(.connections, 1)
        return true
    }

    // MARK: reload hand-over

    var isHandingOver: Bool { handOverSender != nil }

    private func beginHandOver(id: UInt64) {
        guard !stopping, handOverSender == nil else { return }
        listener.stop()
        let sender = HandOverSender(worker: self, id: id)
        handOverSender = sender
        sender.begin()
    }

    /// From the cut-over on, messages to this slot wait in their sockets for the successor.
    func stopReadingPeers() {
        peers.stopReading()
        tasks.stopReading()
        control.stopReading()
    }

    /// A connection passed to the successor: it leaves this process's books only.
    func connectionHandedOver(_ connection: Connection) {
        connections.remove(connection)
        counters.add(.connections, -1)
        if connection.handler is WebSocketSession { counters.add(.webSocketConnections, -1) }
    }

    /// A connection passed by this slot's previous process, with its protocol state. Its shared
    /// table row (user, room) comes with it; reading waits until the hand-over is complete.
    func adoptConnection(_ fd: Int32, row: ConnectionHandle, unread: [UInt8], unsent: [UInt8],
                         _ snapshot: ConnectionSnapshot) -> Connection? {
        let table = context.region.connections
        let peer = Self.peerAddress(of: fd)
        var handle = row
        // The row (user, room, the address's count) normally comes along; a row gone stale is
        // replaced as for any connection passed by another worker.
        if !table.transfer(row, toWorker: slot, fd: fd) {
            guard let fresh = admit(fd, peer: peer, adopted: true) else { return nil }
            handle = fresh
        }
        var served = false
        if case .http(let wasServed) = snapshot { served = wasServed }
        let connection = Connection(fd: fd, row: handle, peer: peer, worker: self, handler: HTTPSession(worker: self, served: served))
        var webSocket: WebSocketSession?
        switch snapshot {
        case .http:
            break
        case .webSocket(let kind):
            let endpoint: WebSocketEndpoint = kind == .echo ? (router.echo ?? EchoEndpoint()) : broadcastHub
            webSocket = WebSocketSession(worker: self, connection: connection, endpoint: endpoint)
        case .engineIO(let session):
            guard let server = engineIO.server(forPath: session.path) else {
                Glibc.close(fd)
                table.remove(handle)
                return nil
            }
            let transport = EngineIOWebSocketTransport(server: server, role: .restored(session))
            webSocket = WebSocketSession(worker: self, connection: connection, endpoint: transport)
        }
        if let webSocket { connection.handler = webSocket }
        connection.adopt(unsent: unsent, unread: unread)
        guard watch(connection, []) else { return nil }
        if let webSocket {
            counters.add(.webSocketConnections, 1)
            webSocket.open()
        }
        return connection
    }

    /// After a hand-over cut short: rows of this slot that no adopted connection or session holds
    /// belonged to clients that were lost with the old process.
    private func releaseUnadoptedRows(keeping adopted: [Connection]) {
        let table = context.region.connections
        var kept = Set(adopted.map(\.row))
        for session in engineIO.pollingSessions { if let row = session.row { kept.insert(row) } }
        var stale: [ConnectionHandle] = []
        table.forEachLive { row in
            if row.worker == slot && !kept.contains(row.handle) { stale.append(row.handle) }
        }
        for handle in stale { table.remove(handle) }
        if !stale.isEmpty { Log.warn("rows of connections lost in the hand-over released", ["count": stale.count]) }
    }

    func connectionClosed(_ connection: Connection, reason: Connection.CloseReason) {
        connections.remove(connection)
        context.region.connections.remove(connection.row)
        counters.add(.connections, -1)
        Log.debug("connection closed", ["conn": connection.id, "reason": reason])
    }

    private func refreshStandardHeaders() {
        var headers = HTTPHeaders()
        headers.add(name: "Date", value: TimeFormat.imfFixdate(epochSeconds: Clock.wallMilliseconds() / 1000))
        headers.add(name: "Server", value: "chatroom")
        standardHeaders = headers
    }

    private func sweep() {
        refreshStandardHeaders()
        let now = loop.now
        connections.forEach { $0.tick(now: now) }
        if stopping { checkStopped() }
    }

    // MARK: control, signals

    public func handleEvents(_ events: IOEvents) {
        for signal in Signals.read(signalFD) {
            switch signal {
            case SIGTERM where adopting: stopAfterAdoption = true
            case SIGTERM where isHandingOver: break
            case SIGTERM: beginStopping()
            case SIGHUP: Log.reopen()
            default: break
            }
        }
    }

    public func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        for fd in fds { FileDescriptor.close(fd) }
        guard let decoded = ControlMessage(decoding: message) else { return }
        switch decoded {
        case .reopenLog: Log.reopen()
        case .peerExited(let role):
            if case .worker(let other) = role {
                peers.setPeer(other, alive: false)
                chat.peerExited(other)
            }
            if case .taskWorker(let t) = role { tasks.taskWorkerExited(t) }
        case .peerStarted(let role):
            if case .worker(let other) = role { peers.setPeer(other, alive: true) }
            if case .taskWorker(let t) = role { tasks.taskWorkerStarted(t) }
        case .handOver(let id): beginHandOver(id: id)
        case .ready: break
        }
    }

    public func channelClosed(_ channel: MessageChannel) {
        Log.warn("master is gone; stopping")
        beginStopping()
    }

    // MARK: stopping

    /// Graceful stop: no new connections; WebSockets closed with 1001; HTTP connections closed after
    /// their current response; unacked jobs given time to be acked; then exit.
    private func beginStopping() {
        guard !stopping else { return }
        stopping = true
        stopDeadline = Clock.monotonicMilliseconds() + max(1000, configuration.shutdownTimeout * 1000 - 1000)
        Log.info("stopping", ["connections": connections.count, "pending_jobs": tasks.pendingCount])
        context.region.processes.setState(kind: .worker, slot: slot, ProcessState.stopping.rawValue)
        listener.stop()
        engineIO.beginStopping()
        connections.forEach { $0.handler.shutdown($0) }
        loop.scheduleRepeating(every: 20) { [weak self] in self?.checkStopped() }
    }

    private func checkStopped() {
        let idle = connections.count == 0 && tasks.pendingCount == 0 && !peers.hasQueuedData
        if idle || Clock.monotonicMilliseconds() >= stopDeadline {
            if !idle {
                Log.warn("stopping with work left", ["connections": connections.count, "pending_jobs": tasks.pendingCount])
                connections.forEach { $0.close(.shutdown) }
            }
            loop.stop()
        }
    }
}
