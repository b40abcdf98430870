import Shared

/// One Socket.IO connection to the namespace "/", as the application sees it. It lives on the
/// Engine.IO session that carries it, on whichever transport that session currently uses; every
/// send after the socket is gone is silently dropped.
final class SocketIOSocket {
    enum State {
        /// EIO4 before the client's CONNECT.
        case pending
        case connected
        case disconnected
    }

    /// The Engine.IO session id (also the id used in logs).
    let id: String
    let version: EngineIOVersion
    /// The handshake request's query (e.g. `api_token`).
    let query: QueryParameters
    /// The client's address as the handshake saw it.
    let remoteAddress: String
    /// For the application.
    var userData: AnyObject?
    private(set) var state = State.pending
    private weak var session: EngineIOSession?
    private unowned let application: SocketIOApplication
    /// The Socket.IO socket id announced in EIO4's `40{"sid":…}` (distinct from the Engine.IO id,
    /// which the client puts in its polling URLs).
    private(set) lazy var namespaceSocketId = RandomToken.sessionId()

    // MARK: reload

    /// Whether the application has nothing in flight for this socket (see `SocketIOApplication`).
    var canHandOver: Bool { application.canHandOver(self) }

    var handOverChatSnapshot: ChatSnapshot? { application.handOverSnapshot(self) }

    /// The state this socket had in the slot's previous process.
    func restore(connected: Bool, namespaceSocketId: String, chat: ChatSnapshot?) {
        self.namespaceSocketId = namespaceSocketId
        guard connected else { return }
        state = .connected
        application.restore(self, chat)
    }

    init(session: EngineIOSession, application: SocketIOApplication, query: QueryParameters, remoteAddress: String) {
        id = session.sid
        version = session.version
        self.session = session
        self.application = application
        self.query = query
        self.remoteAddress = remoteAddress
    }

    var isConnected: Bool { state == .connected }

    /// The WebSocket connection this socket's packets go out on, nil while it polls: broadcasts
    /// write a shared frame to it directly, without the weak references from here to there.
    var webSocketConnection: Connection? {
        guard state == .connected, let session, !session.isClosed else { return nil }
        return session.webSocket?.openConnection
    }

    /// The session moved from polling to WebSocket.
    func transportChanged() {
        if state == .connected { application.socketTransportChanged(self) }
    }

    /// Whether the session is (still) on long-polling rather than WebSocket.
    var isPolling: Bool { session?.isPolling ?? false }

    /// The worker slot the socket lives on.
    var workerSlot: Int { session?.server.worker.slot ?? -1 }

    // MARK: shared connection table

    /// The socket's row in the shared connection table: its own row while it polls, the WebSocket
    /// connection's row once it is on WebSocket (user and room move with it at the upgrade). Read it
    /// when needed rather than keeping it.
    var row: ConnectionHandle? { session?.row }

    /// Records the socket's user in the shared table (0: nobody).
    func setSharedUser(_ userId: UInt64) {
        guard let session, let row = session.row else { return }
        session.server.worker.context.region.connections.setUser(row, userId)
    }

    /// Moves the socket to `room` in the shared table (0: no room). False if the room id is out of
    /// the table's range or the socket is gone.
    @discardableResult
    func setSharedRoom(_ room: Int) -> Bool {
        guard let session, let row = session.row else { return false }
        return session.server.worker.context.region.connections.setRoom(row, room)
    }

    // MARK: sending

    /// `42["event",payload]` to this client.
    func emit(_ event: String, _ payload: JSONValue) {
        send(OutgoingPacket.event(event, payload))
    }

    /// `42["event",arg1,arg2,…]` to this client.
    func emit(_ event: String, arguments: [JSONValue]) {
        send(OutgoingPacket.event(event, arguments: arguments))
    }

    /// A packet encoded once for any number of sockets: WebSocket sockets are given its shared frame.
    func send(_ packet: OutgoingPacket) {
        guard state == .connected, let session else { return }
        session.send(packet)
    }

    /// `43<id>[arguments…]`, the answer to an event that carried `ackID`.
    func ack(_ id: UInt64, _ arguments: [JSONValue]) {
        send(OutgoingPacket.ack(id, arguments))
    }

    /// Server-side disconnect: `41` (the client will not reconnect by itself), then the transport
    /// is closed once it has been delivered.
    func disconnect() {
        guard let session, state == .connected else { return }
        session.sendPacket(SocketIOPacket.encodeDisconnect(asEngineIOMessage: true))
        finish(reason: "server namespace disconnect")
        session.close(reason: "server namespace disconnect", graceful: true)
    }

    /// Closes the transport at once; the client sees a lost connection and reconnects.
    func close() {
        session?.close(reason: "forced close", graceful: false)
    }

    // MARK: from the session

    /// The Engine.IO session is open. EIO3 clients are connected at once (bare `40`); EIO4 clients
    /// send their CONNECT first.
    func engineOpened() {
        guard version == .v3 else { return }
        connect(auth: nil)
    }

    /// The payload of an Engine.IO message packet (`4` stripped).
    func received(_ data: [UInt8]) {
        let packet: SocketIOPacket
        do {
            packet = try SocketIOPacket.decode(data)
        } catch {
            Log.debug("socket.io packet refused", ["sid": id, "error": error])
            session?.server.worker.counters.add(.protocolErrors, 1)
            session?.close(reason: "parse error", graceful: false)
            return
        }
        guard packet.namespace == "/" else {
            if packet.type == .connect { refuseNamespace(packet.namespace) }
            return
        }
        switch packet.type {
        case .connect:
            // EIO3 clients never connect "/" themselves; a repeated CONNECT changes nothing.
            if version == .v4 && state == .pending { connect(auth: packet.data) }
        case .disconnect:
            guard state == .connected else { return }
            finish(reason: "client namespace disconnect")
            session?.close(reason: "client namespace disconnect", graceful: true)
        case .event:
            guard state == .connected, let name = packet.eventName else { return }
            application.socketEvent(self, name: name, arguments: packet.arguments, ackID: packet.ackId.map { UInt64($0) })
        case .ack, .connectError, .binaryEvent, .binaryAck:
            // The server asks for no acks; errors and binary packets are not expected from clients.
            break
        }
    }

    /// The Engine.IO session is gone.
    func engineClosed(reason: String) {
        finish(reason: reason)
    }

    private func connect(auth: JSONValue?) {
        guard let session else { return }
        state = .connected
        session.sendPacket(SocketIOPacket.encodeConnect(sid: version == .v4 ? namespaceSocketId : nil, asEngineIOMessage: true))
        application.socketConnected(self, auth: auth)
    }

    private func finish(reason: String) {
        let wasConnected = state == .connected
        state = .disconnected
        if wasConnected { application.socketDisconnected(self, reason: reason) }
    }

    /// Only "/" exists: `44/ns,{"message":"Invalid namespace"}` (rev 4: a string instead of the object).
    private func refuseNamespace(_ namespace: String) {
        guard let session else { return }
        if version == .v4 {
            session.sendPacket(SocketIOPacket.encodeConnectError(message: "Invalid namespace", namespace: namespace, asEngineIOMessage: true))
        } else {
            var out: [UInt8] = [EngineIOPacketType.message.ascii, SocketIOPacketType.connectError.ascii]
            out.append(contentsOf: namespace.utf8)
            out.append(UInt8(ascii: ","))
            JSONWriter.appendString("Invalid namespace", into: &out)
            session.sendPacket(out)
        }
    }
}
