import Shared

/// One Engine.IO session (PROTOCOL.md §4): its transport (long-polling, then perhaps WebSocket), the
/// packets waiting for a polling client, the held long-poll, the upgrade and the heartbeat. It
/// carries one Socket.IO socket. Owned by its `EngineIOServer` until it closes.
final class EngineIOSession: TurnEndHandler {
    let sid: String
    let version: EngineIOVersion
    unowned let server: EngineIOServer
    private(set) var socket: SocketIOSocket!
    private(set) var isClosed = false
    /// Why it closed (for the log).
    private(set) var closeReason: String?
    /// A graceful close of a polling session: what is queued, then the close packet, go out on the
    /// next poll; the session is dropped then (or after a timeout if no poll comes).
    private var closingSince: Int64?
    /// The WebSocket transport, once there is one (direct, or after the upgrade).
    private(set) var webSocket: EngineIOWebSocketTransport?
    private var probe: EngineIOWebSocketTransport?
    private var upgrade = EngineIOUpgrade()
    private var heartbeat: EngineIOHeartbeat
    private var queue: [EngineIOQueuedPacket] = []
    private var queuedBytes = 0
    private var heldPoll: HTTPExchange?
    private var heldSince: Int64 = 0
    private var flushScheduled = false
    /// The shared-table row this session holds while no WebSocket connection carries it.
    private var ownRow: ConnectionHandle?
    private var openedAt: Int64

    /// Packets in one poll answer at most (python-engineio's `max_decode_packets`).
    static let maxPacketsPerPoll = 16


    init(server: EngineIOServer, sid: String, version: EngineIOVersion, query: QueryParameters, remoteAddress: String,
         ownRow: ConnectionHandle?, webSocket: EngineIOWebSocketTransport?, application: SocketIOApplication) {
        self.server = server
        self.sid = sid
        self.version = version
        self.ownRow = ownRow
        self.webSocket = webSocket
        let now = server.worker.loop.now
        openedAt = now
        heartbeat = EngineIOHeartbeat(version: version, pingInterval: server.pingInterval, pingTimeout: server.pingTimeout,
                                      grace: min(5000, server.pingTimeout), now: now)
        socket = SocketIOSocket(session: self, application: application, query: query, remoteAddress: remoteAddress)
    }

    var isPolling: Bool { webSocket == nil }

    /// The socket's row in the shared connection table.
    var row: ConnectionHandle? {
        if isClosed { return nil }
        return webSocket?.row ?? ownRow
    }

    private var now: Int64 { server.worker.loop.now }

    /// Sends the open packet and connects the socket (EIO3).
    func open() {
        let packet = EngineIOOpenPacket(sid: sid, upgrades: isPolling ? ["websocket"] : [], pingInterval: Int(server.pingInterval),
                                        pingTimeout: Int(server.pingTimeout), maxPayload: server.maxPayload)
        sendPacket(packet.encode(for: version))
        socket.engineOpened()
    }

    // MARK: sending

    /// A whole Engine.IO packet (type digit first) for this client only.
    func sendPacket(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        if let webSocket { return webSocket.sendText(bytes) }
        enqueue(.bytes(bytes))
    }

    func send(_ packet: OutgoingPacket) {
        guard !isClosed else { return }
        if let webSocket { return webSocket.sendFrame(packet.webSocketFrame) }
        enqueue(.shared(packet))
    }

    private func enqueue(_ item: EngineIOQueuedPacket) {
        queue.append(item)
        queuedBytes += item.byteCount
        if queuedBytes > server.worker.maxOutputBuffer {
            // A client that does not poll any more must not grow the worker's memory without bound.
            server.worker.counters.add(.slowClientsDropped, 1)
            Log.warn("polling client too slow, session closed", ["sid": sid, "queued": queuedBytes])
            return close(reason: "transport error", graceful: false)
        }
        if heldPoll != nil { scheduleFlush() }
    }

    /// Packets queued in one turn (an event handler that emits three times) go out in one answer.
    private func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        server.worker.loop.deferToTurnEnd(self)
    }

    func turnEnded() {
        flushScheduled = false
        guard !isClosed, !queue.isEmpty, let held = heldPoll else { return }
        heldPoll = nil
        answerPoll(held, closing: false)
    }

    /// Answers a GET with everything queued (a noop if nothing is), plus the close packet when closing.
    private func answerPoll(_ exchange: HTTPExchange, closing: Bool) {
        guard exchange.canRespond else { return }
        // python-engineio clients refuse a payload of more than 16 packets (and drop the session):
        // the rest waits for the next poll, which is answered at once. A closing session has no
        // next poll: everything goes.
        let count = closing ? queue.count : min(queue.count, EngineIOSession.maxPacketsPerPoll)
        let taken = queue[..<count]
        let takenBytes = taken.reduce(0) { $0 + $1.byteCount }
        var writer = EngineIOPayloadWriter(version: version, reservingCapacity: takenBytes + 8 * count + 8)
        for item in taken { item.append(to: &writer) }
        queue.removeFirst(count)
        queuedBytes -= takenBytes
        if closing { writer.append(EngineIOPacket(.close)) }
        if writer.isEmpty { writer.append(EngineIOPacket(.noop)) }
        server.respondPayload(exchange, writer.finish())
    }

    // MARK: polling requests

    func handlePoll(_ exchange: HTTPExchange) {
        guard !isClosed else { return server.refuse(exchange, .unknownSession) }
        guard isPolling else { return server.refuse(exchange, .badRequest) }
        if let held = heldPoll {
            if held.canRespond {
                // At most one GET at a time: a second one is a broken client (engine.io closes too).
                Log.debug("concurrent poll, session closed", ["sid": sid])
                server.refuse(exchange, .badRequest)
                return close(reason: "transport error", graceful: false)
            }
            heldPoll = nil
        }
        if closingSince != nil {
            answerPoll(exchange, closing: true)
            return finalize()
        }
        // While the worker hands its sessions to a successor no poll is held: a held request
        // cannot travel, an answered one leaves the connection at a clean point.
        if !queue.isEmpty || upgrade.answersPollsImmediately || server.worker.isHandingOver {
            return answerPoll(exchange, closing: false)
        }
        heldPoll = exchange
        heldSince = now
        exchange.onConnectionLost = { [weak self, weak exchange] in
            guard let self, let exchange, self.heldPoll === exchange else { return }
            self.heldPoll = nil
            self.close(reason: "transport error", graceful: false)
        }
    }

    func handlePost(_ exchange: HTTPExchange) {
        guard !isClosed else { return server.refuse(exchange, .unknownSession) }
        guard isPolling else { return server.refuse(exchange, .badRequest) }
        if closingSince != nil { return server.respondOK(exchange) }
        // EIO3's binary framing (python-engineio 3.x posts every payload that way) carries text
        // packets too; binary packets inside it are refused like any other.
        let binaryFramed = version == .v3 && (exchange.body.first.map { $0 <= 1 } ?? false
            || exchange.head.headers.first("Content-Type")?.lowercased().hasPrefix("application/octet-stream") == true)
        let packets: [EngineIOPacket]
        do {
            packets = binaryFramed ? try EngineIOPayload.decodeBinaryFramed(exchange.body)
                                   : try EngineIOPayload.decode(exchange.body, version: version)
        } catch {
            Log.debug("polling payload refused", ["sid": sid, "error": error])
            server.worker.counters.add(.protocolErrors, 1)
            server.refuse(exchange, .badRequest)
            return close(reason: "parse error", graceful: false)
        }
        for packet in packets {
            guard !isClosed, closingSince == nil else { break }
            handle(packet)
        }
        server.respondOK(exchange)
    }

    // MARK: packets

    private func handle(_ packet: EngineIOPacket) {
        heartbeat.packetReceived(now: now)
        switch packet.type {
        case .ping:
            // EIO3's heartbeat; an EIO4 client has no reason to ping, but an answer does no harm.
            sendPacket(EngineIOPacket.pong(answering: packet).encode())
        case .pong:
            heartbeat.pongReceived(now: now)
        case .message:
            socket.received(packet.data)
        case .close:
            close(reason: "transport close", graceful: false)
        case .open, .upgrade, .noop:
            break
        }
    }

    // MARK: WebSocket

    /// Whether a probe may start now (a polling session, open, not probing already).
    var canProbe: Bool { !isClosed && closingSince == nil && isPolling && upgrade.canProbe }

    /// The probe's WebSocket handshake succeeded. False if this session cannot be upgraded now.
    func probeOpened(_ transport: EngineIOWebSocketTransport) -> Bool {
        guard canProbe, upgrade.probeOpened(now: now) else { return false }
        probe = transport
        return true
    }

    func webSocketReceived(_ transport: EngineIOWebSocketTransport, _ packet: EngineIOPacket) {
        guard !isClosed else { return }
        if transport === probe {
            heartbeat.packetReceived(now: now)
            switch upgrade.probeReceived(packet) {
            case .reply(let pong):
                transport.sendText(pong.encode())
                // The client now drains its polling transport: let the held poll go.
                if let held = heldPoll {
                    heldPoll = nil
                    answerPoll(held, closing: false)
                }
            case .upgrade:
                completeUpgrade(to: transport)
            case .abandon:
                probe = nil
                transport.close(.normal, "")
            }
            return
        }
        guard transport === webSocket else { return }
        handle(packet)
    }

    /// The WebSocket becomes the transport: the session's row moves to its connection and
    /// everything queued goes out on it.
    private func completeUpgrade(to transport: EngineIOWebSocketTransport) {
        probe = nil
        webSocket = transport
        if let held = heldPoll {
            heldPoll = nil
            if held.canRespond { server.respondPayload(held, EngineIOPayload.encode([EngineIOPacket(.noop)], version: version)) }
        }
        if let own = ownRow, let target = transport.row {
            let table = server.worker.context.region.connections
            if let current = table.snapshot(own) {
                table.setUser(target, current.userId)
                if current.roomId != 0 { table.setRoom(target, current.roomId) }
                if current.flags != 0 { table.setFlags(target, current.flags) }
            }
            table.remove(own)
            ownRow = nil
        }
        for item in queue { transport.sendFrame(item.webSocketFrame) }
        queue = []
        queuedBytes = 0
        socket.transportChanged()
        Log.debug("engine.io session upgraded", ["sid": sid])
    }

    /// A WebSocket message that is not a text Engine.IO packet.
    func webSocketRefused(_ transport: EngineIOWebSocketTransport, reason: String) {
        server.worker.counters.add(.protocolErrors, 1)
        Log.debug("engine.io websocket message refused", ["sid": sid, "reason": reason])
        if transport === probe {
            probe = nil
            upgrade.probeClosed()
            return transport.close(.unsupportedData, reason)
        }
        guard transport === webSocket else { return }
        close(reason: "parse error", graceful: false, webSocketCode: .unsupportedData)
    }

    func webSocketClosed(_ transport: EngineIOWebSocketTransport) {
        if transport === probe {
            probe = nil
            upgrade.probeClosed()
        } else if transport === webSocket {
            close(reason: "transport close", graceful: false)
        }
    }

    // MARK: timers and closing

    /// Called by the server's sweep.
    func tick(now: Int64) {
        guard !isClosed else { return }
        if let since = closingSince {
            if now - since >= server.pingInterval + server.pingTimeout { finalize() }
            return
        }
        if upgrade.isTimedOut(now: now), let probe {
            Log.debug("engine.io upgrade timed out", ["sid": sid])
            self.probe = nil
            upgrade.probeClosed()
            probe.close(.normal, "")
        }
        // EIO4 clients must send their CONNECT in time (socket.io's `connectTimeout`; here
        // `--handshake-timeout`).
        if version == .v4 && socket.state == .pending && now - openedAt >= server.connectTimeout {
            return close(reason: "connect timeout", graceful: false)
        }
        switch heartbeat.check(now: now) {
        case .none: break
        case .sendPing: sendPacket([EngineIOPacketType.ping.ascii])
        case .timeout: return close(reason: "ping timeout", graceful: false)
        }
        // After the heartbeat, so that an EIO4 ping due now answers the poll instead of a noop.
        if let held = heldPoll, now - heldSince >= server.pingInterval {
            heldPoll = nil
            answerPoll(held, closing: false)
        }
    }

    /// Ends the session; the socket's `socketDisconnected` fires (once). `graceful`: what is queued
    /// is delivered first. A held poll is answered with the close packet; a WebSocket gets a close
    /// frame with `webSocketCode`.
    func close(reason: String, graceful: Bool, webSocketCode: WebSocketCloseCode = .normal) {
        guard !isClosed else { return }
        if closeReason == nil { closeReason = reason }
        if isPolling && graceful {
            guard closingSince == nil else { return }
            closingSince = now
            socket.engineClosed(reason: reason)
            if let held = heldPoll {
                heldPoll = nil
                answerPoll(held, closing: true)
                finalize()
            }
            return
        }
        isClosed = true
        socket.engineClosed(reason: reason)
        if !graceful {
            queue = []
            queuedBytes = 0
        }
        if let held = heldPoll {
            heldPoll = nil
            answerPoll(held, closing: true)
        }
        if let webSocket { webSocket.close(webSocketCode, webSocketCode == .normal ? "" : reason) }
        if let probe { probe.close(webSocketCode, "") }
        probe = nil
        finalize()
    }

    /// The worker is stopping: like a graceful close, but a polling session whose client has no poll
    /// waiting is dropped at once rather than kept for a poll that may come too late.
    func stop() {
        close(reason: "server shutting down", graceful: true, webSocketCode: .goingAway)
        if closingSince != nil { finalize() }
    }

    // MARK: reload

    /// The held poll, if any, is answered now (with what is queued, or a noop): the worker is about
    /// to pass this session to its successor.
    func releaseHeldPoll() {
        guard let held = heldPoll else { return }
        heldPoll = nil
        answerPoll(held, closing: false)
    }

    /// The session as its successor needs it, or nil while it cannot travel (closing, probing, a
    /// poll held, the application waiting for storage).
    func handOverSnapshot() -> EngineIOSessionSnapshot? {
        guard !isClosed, closingSince == nil, probe == nil, heldPoll == nil, socket.canHandOver else { return nil }
        let state: EngineIOSessionSnapshot.SocketState
        switch socket.state {
        case .pending: state = .pending
        case .connected: state = .connected
        case .disconnected: return nil
        }
        var packets: [[UInt8]] = []
        for item in queue {
            switch item {
            case .bytes(let bytes): packets.append(bytes)
            case .shared(let packet): packets.append(packet.packetBytes)
            }
        }
        return EngineIOSessionSnapshot(path: server.path, sid: sid, version: version, query: Array(socket.query),
                                       remoteAddress: socket.remoteAddress, ownRow: webSocket == nil ? ownRow : nil,
                                       queued: packets, socketState: state, namespaceSocketId: socket.namespaceSocketId,
                                       chat: socket.handOverChatSnapshot, openedAt: openedAt,
                                       lastReceivedAt: heartbeat.lastReceivedAt, pingSentAt: heartbeat.pingSentAt,
                                       nextPingAt: heartbeat.nextPingAt)
    }

    /// A session handed over by this slot's previous process: same id, same socket state, the
    /// polling packets still waiting, the heartbeat where it was.
    static func restored(_ snapshot: EngineIOSessionSnapshot, server: EngineIOServer, webSocket: EngineIOWebSocketTransport?,
                         application: SocketIOApplication) -> EngineIOSession {
        let session = EngineIOSession(server: server, sid: snapshot.sid, version: snapshot.version,
                                      query: QueryParameters(snapshot.query), remoteAddress: snapshot.remoteAddress,
                                      ownRow: webSocket == nil ? snapshot.ownRow : nil, webSocket: webSocket,
                                      application: application)
        session.openedAt = snapshot.openedAt
        session.heartbeat.restore(lastReceivedAt: snapshot.lastReceivedAt, pingSentAt: snapshot.pingSentAt,
                                  nextPingAt: snapshot.nextPingAt)
        for packet in snapshot.queued {
            session.queue.append(.bytes(packet))
            session.queuedBytes += packet.count
        }
        session.socket.restore(connected: snapshot.socketState == .connected, namespaceSocketId: snapshot.namespaceSocketId,
                               chat: snapshot.chat)
        return session
    }

    /// Forgets the session: its row, its place in the server.
    private func finalize() {
        isClosed = true
        closingSince = nil
        queue = []
        queuedBytes = 0
        heldPoll = nil
        if let own = ownRow {
            server.worker.context.region.connections.remove(own)
            ownRow = nil
        }
        server.sessionClosed(self)
    }
}
