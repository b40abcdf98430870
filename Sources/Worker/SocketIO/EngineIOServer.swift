import Shared

/// An Engine.IO server mounted on one path (`/socket.io/`, `/echo.io/`): answers the HTTP side of
/// PROTOCOL.md §4 (handshakes, polls, posts, probes, errors, CORS), keeps this worker's sessions,
/// passes requests for sessions of other workers to their owner, and drives the sessions' timers.
final class EngineIOServer {
    let path: String
    unowned let worker: ReactorWorker
    private let application: () -> SocketIOApplication
    private var sessions: [String: EngineIOSession] = [:]
    /// Announced in the open packet, in milliseconds.
    let pingInterval: Int64
    let pingTimeout: Int64
    /// How long an EIO4 session may wait for its Socket.IO CONNECT, in milliseconds.
    let connectTimeout: Int64
    /// Largest polling body and WebSocket message: the worker's message limit (the HTTP body limit
    /// if that is smaller), announced to EIO4 clients as `maxPayload`.
    let maxPayload: Int

    init(path: String, worker: ReactorWorker, application: @escaping () -> SocketIOApplication) {
        self.path = path
        self.worker = worker
        self.application = application
        let configuration = worker.configuration
        pingInterval = configuration.pingInterval * 1000
        pingTimeout = configuration.pingTimeout * 1000
        connectTimeout = configuration.handshakeTimeout * 1000
        maxPayload = min(configuration.maxMessageSize, configuration.maxBodySize)
        // Sessions are swept, not timed one by one: a quarter of the ping interval, at most 1 s, is
        // precise enough for heartbeats measured in tens of seconds.
        let sweepEvery = max(100, min(1000, pingInterval / 4))
        worker.loop.scheduleRepeating(every: sweepEvery) { [weak self] in self?.sweep() }
    }

    var sessionCount: Int { sessions.count }

    func session(_ sid: String) -> EngineIOSession? { sessions[sid] }

    // MARK: requests

    func handle(_ exchange: HTTPExchange) {
        let head = exchange.head
        let query = exchange.query
        let request = EngineIORequest.classify(
            method: head.method, transport: query.first("transport"), sid: query.first("sid"), eio: query.first("EIO"),
            jsonp: query.contains("j"), isWebSocketUpgrade: head.headers.hasToken("websocket", in: "Upgrade"))
        if let sid = request.sid, let owner = EngineIOSessionID.owner(of: sid), owner != worker.slot {
            return handOff(exchange, to: owner)
        }
        switch request {
        case .preflight:
            respondPreflight(exchange)
        case .refuse(let refusal):
            refuse(exchange, refusal)
        case .openPolling(let version):
            openPollingSession(exchange, version: version)
        case .openWebSocket(let version):
            guard !worker.stopping else { return refuseStopping(exchange) }
            exchange.upgradeToWebSocket(EngineIOWebSocketTransport(server: self, role: .direct(version, query)), state: .socketIO)
        case .poll(let sid):
            guard let session = sessions[sid] else { return refuse(exchange, .unknownSession) }
            session.handlePoll(exchange)
        case .send(let sid):
            guard let session = sessions[sid] else { return refuse(exchange, .unknownSession) }
            session.handlePost(exchange)
        case .probe(let sid):
            guard let session = sessions[sid] else { return refuse(exchange, .unknownSession) }
            // One probe at a time, and none once upgraded (engine.io answers the same).
            guard session.canProbe else { return refuse(exchange, .badRequest) }
            exchange.upgradeToWebSocket(EngineIOWebSocketTransport(server: self, role: .probe(sid: sid)), state: .socketIO)
        }
    }

    private func openPollingSession(_ exchange: HTTPExchange, version: EngineIOVersion) {
        guard !worker.stopping else { return refuseStopping(exchange) }
        // A polling client has no connection of its own between requests, so its session takes a
        // row of the shared table for the user and room the application records.
        guard let row = worker.context.region.connections.insert(worker: worker.slot, fd: -1, state: ConnectionState.socketIO.rawValue,
                                                                 nowMs: UInt64(Clock.wallMilliseconds())) else {
            worker.counters.add(.connectionsRefused, 1)
            Log.warn("engine.io session refused: connection table full", ["capacity": worker.configuration.maxConnections])
            var headers = corsHeaders(exchange)
            headers.add(name: "Retry-After", value: "5")
            return exchange.respondError(.serviceUnavailable, "server full: too many connections", headers: headers)
        }
        let session = EngineIOSession(server: self, sid: newSessionID(), version: version, query: exchange.query,
                                      remoteAddress: exchange.connection?.peer.description ?? "?", ownRow: row, webSocket: nil,
                                      application: application())
        sessions[session.sid] = session
        Log.debug("engine.io session opened", ["sid": session.sid, "eio": version.rawValue, "transport": "polling"])
        session.open()
        session.handlePoll(exchange)
    }

    /// A direct WebSocket's handshake succeeded: its session starts (nil when the worker stops).
    func openWebSocketSession(_ transport: EngineIOWebSocketTransport, version: EngineIOVersion, query: QueryParameters,
                              remoteAddress: String) -> EngineIOSession? {
        guard !worker.stopping else { return nil }
        let session = EngineIOSession(server: self, sid: newSessionID(), version: version, query: query, remoteAddress: remoteAddress,
                                      ownRow: nil, webSocket: transport, application: application())
        sessions[session.sid] = session
        Log.debug("engine.io session opened", ["sid": session.sid, "eio": version.rawValue, "transport": "websocket"])
        session.open()
        return session
    }

    private func newSessionID() -> String {
        var sid = EngineIOSessionID.make(owner: worker.slot)
        while sessions[sid] != nil { sid = EngineIOSessionID.make(owner: worker.slot) }
        return sid
    }

    func sessionClosed(_ session: EngineIOSession) {
        guard sessions[session.sid] === session else { return }
        sessions[session.sid] = nil
        Log.debug("engine.io session closed", ["sid": session.sid, "reason": session.closeReason ?? "?"])
    }

    // MARK: timers, stopping

    private func sweep() {
        guard !sessions.isEmpty else { return }
        let now = worker.loop.now
        for session in Array(sessions.values) { session.tick(now: now) }
    }

    // MARK: reload

    /// Held polls are answered at once: the sessions are about to move to the next process.
    func prepareHandOver() {
        for session in sessions.values { session.releaseHeldPoll() }
    }

    /// Sessions on long-polling (the others travel with their WebSocket connection).
    var pollingSessions: [EngineIOSession] { sessions.values.filter(\.isPolling) }

    /// After the hand-over: this process no longer has sessions (nothing is closed or told).
    func forgetSessions() {
        sessions = [:]
    }

    /// A session handed over by the slot's previous process.
    @discardableResult
    func restoreSession(_ snapshot: EngineIOSessionSnapshot, webSocket: EngineIOWebSocketTransport?) -> EngineIOSession {
        let session = EngineIOSession.restored(snapshot, server: self, webSocket: webSocket, application: application())
        sessions[session.sid] = session
        return session
    }

    /// Graceful stop: WebSocket sessions close with 1001, held polls are answered with the close
    /// packet, and every socket is disconnected ("server shutting down").
    func beginStopping() {
        for session in Array(sessions.values) { session.stop() }
    }

    // MARK: answers

    /// Polling answers are read cross-origin with credentials by browser clients (PROTOCOL.md §1):
    /// the request's own origin is allowed, never `*`.
    func corsHeaders(_ exchange: HTTPExchange) -> HTTPHeaders {
        var headers = HTTPHeaders()
        if let origin = exchange.head.headers.first("Origin") {
            headers.add(name: "Access-Control-Allow-Origin", value: origin)
            headers.add(name: "Access-Control-Allow-Credentials", value: "true")
            headers.add(name: "Vary", value: "Origin")
        }
        return headers
    }

    func respondPayload(_ exchange: HTTPExchange, _ body: [UInt8]) {
        exchange.respond(.ok, contentType: "text/plain; charset=UTF-8", body: body, headers: corsHeaders(exchange))
    }

    func respondOK(_ exchange: HTTPExchange) {
        exchange.respond(.ok, contentType: "text/html", body: Array("ok".utf8), headers: corsHeaders(exchange))
    }

    func refuse(_ exchange: HTTPExchange, _ refusal: EngineIORefusal) {
        exchange.respond(HTTPStatus(code: refusal.status), contentType: "application/json", body: refusal.body,
                         headers: corsHeaders(exchange))
    }

    private func refuseStopping(_ exchange: HTTPExchange) {
        exchange.respondError(.serviceUnavailable, "server stopping", headers: corsHeaders(exchange), close: true)
    }

    private func respondPreflight(_ exchange: HTTPExchange) {
        var headers = corsHeaders(exchange)
        headers.add(name: "Access-Control-Allow-Methods", value: "GET, POST, OPTIONS")
        headers.add(name: "Access-Control-Allow-Headers",
                    value: exchange.head.headers.first("Access-Control-Request-Headers") ?? "Content-Type")
        headers.add(name: "Access-Control-Max-Age", value: "86400")
        exchange.respond(.noContent, headers: headers)
    }
}
