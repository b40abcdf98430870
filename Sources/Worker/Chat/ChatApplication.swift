import Shared

/// The tutorial's chat room on Socket.IO (PROTOCOL.md §5): identity per connection, rooms with a
/// live online list, messages stored through the task workers, unread counts.
final class ChatApplication: SocketIOApplication {
    static let loginRequired = "登录后才能进入聊天室"

    unowned let worker: ReactorWorker
    let rooms: ChatRooms
    let storage: StorageClient
    let tokens = TokenCache()
    let images: ImageStore
    var presence = Presence()
    /// This worker's connections, and those in each room.
    var connections: [Int: ChatConnection] = [:]
    var members: [Int: [Int: ChatConnection]] = [:]
    private var nextNumber = 0
    /// Connections whose unread counts changed and are told at the next coalesced `count`.
    var countsDue: [Int: ChatConnection] = [:]
    var countFlushScheduled = false
    static let countCoalescing: Int64 = 100
    /// Messages whose unread counting waits for the end of the turn.
    var pendingUnread = PendingUnread()
    var unreadSettleScheduled = false
    /// Tokens found invalid lately (not worth another job for a few seconds).
    private var rejectedTokens: [String: Int64] = [:]

    init(worker: ReactorWorker, storage: StorageClient) {
        self.worker = worker
        self.storage = storage
        rooms = ChatRooms(worker.configuration)
        images = ImageStore(configuration: worker.configuration)
    }

    var slot: Int { worker.slot }
    var now: Int64 { worker.loop.now }

    /// Asks the other workers who is online (this worker just started).
    func start() {
        worker.peers.broadcast(.chat, ChatPeerMessage.syncRequest.encoded())
    }

    // MARK: SocketIOApplication

    /// The chat's state for a newly connected (or adopted) socket, registered under a new number.
    func addConnection(_ socket: SocketIOSocket) -> ChatConnection {
        let rate = worker.configuration.messageRate
        nextNumber += 1
        let connection = ChatConnection(socket: socket, number: nextNumber,
                                        limiter: RateLimiter(rate: rate, burst: rate * 2, now: now))
        socket.userData = connection
        connection.webSocketConnection = socket.webSocketConnection
        connections[connection.number] = connection
        closeIfStillAnonymous(connection)
        return connection
    }

    func socketConnected(_ socket: SocketIOSocket, auth: JSONValue?) {
        let connection = addConnection(socket)
        let token = auth?.objectValue?["token"]?.stringValue ?? auth?.objectValue?["api_token"]?.stringValue
            ?? socket.query.first("api_token")
        guard let token, TokenCache.isPlausible(token) else { return }
        // A1: a valid handshake token binds the connection; events wait for the lookup.
        connection.lookupInFlight = true
        let number = connection.number
        resolve(token) { [weak self] profile in
            guard let self, let connection = self.connections[number], !connection.closed else { return }
            connection.lookupInFlight = false
            if let profile { self.bind(connection, to: profile) }
            self.drain(connection)
        }
    }

    func socketEvent(_ socket: SocketIOSocket, name: String, arguments: [JSONValue], ackID: UInt64?) {
        guard let connection = socket.userData as? ChatConnection else { return }
        connection.waiting.append((name, arguments, ackID))
        drain(connection)
    }

    func socketTransportChanged(_ socket: SocketIOSocket) {
        (socket.userData as? ChatConnection)?.webSocketConnection = socket.webSocketConnection
    }

    func socketDisconnected(_ socket: SocketIOSocket, reason: String) {
        guard let connection = socket.userData as? ChatConnection else { return }
        settleUnread()
        connection.closed = true
        connection.webSocketConnection = nil
        connection.waiting = []
        if let room = connection.room { leave(connection, room: room, tellLeaver: false) }
        connections[connection.number] = nil
        socket.userData = nil
    }

    // MARK: events, in order

    private func drain(_ connection: ChatConnection) {
        while !connection.lookupInFlight, !connection.closed, !connection.waiting.isEmpty {
            let event = connection.waiting.removeFirst()
            handle(event, on: connection)
        }
    }

    private func handle(_ event: ChatConnection.Event, on connection: ChatConnection) {
        guard ["login", "room", "roomout", "message"].contains(event.name) else {
            return reject(connection, event.name, "unknown event")
        }
        guard let payload = event.arguments.first?.objectValue else {
            return reject(connection, event.name, "the payload must be an object")
        }
        // A2: a token in the payload decides who this event is from.
        if let tokenValue = payload["api_token"] {
            guard let token = tokenValue.stringValue, TokenCache.isPlausible(token) else {
                return connection.socket.emit("login", .string(ChatApplication.loginRequired))
            }
            if let profile = tokens.lookup(token, now: now) {
                bind(connection, to: profile)
            } else if let until = rejectedTokens[token], until > now {
                return connection.socket.emit("login", .string(ChatApplication.loginRequired))
            } else {
                // Look it up, then handle this same event again (from the cache, or refused).
                connection.waiting.insert(event, at: 0)
                connection.lookupInFlight = true
                let number = connection.number
                resolve(token) { [weak self] _ in
                    guard let self, let connection = self.connections[number], !connection.closed else { return }
                    connection.lookupInFlight = false
                    self.drain(connection)
                }
                return
            }
        }
        guard connection.user != nil else {
            // A3: unauthenticated events do nothing else.
            return connection.socket.emit("login", .string(ChatApplication.loginRequired))
        }
        switch event.name {
        case "login":
            sendCount(connection)
        case "room":
            guard let room = rooms.id(from: payload["roomid"]) else { return reject(connection, "room", "unknown roomid") }
            join(connection, room: room)
        case "roomout":
            guard let room = rooms.id(from: payload["roomid"]) else { return reject(connection, "roomout", "unknown roomid") }
            if connection.room == room {
                leave(connection, room: room, tellLeaver: true)
            } else {
                connection.socket.emit("roomout", onlineMap(room))
            }
        default:
            sendMessage(from: connection, payload, ackID: event.ackID)
        }
    }

    /// Bad input: an `error` event to the sender, and a log line. `counted` false: the caller has
    /// counted it under a reason of its own (rate limit, full queue).
    func reject(_ connection: ChatConnection, _ event: String, _ reason: String, counted: Bool = true) {
        if counted { worker.counters.add(.eventsRefused, 1) }
        Log.info("chat event refused", ["event": event, "reason": reason, "conn": connection.socket.id])
        connection.socket.emit("error", .object(["message": .string(reason), "event": .string(event)]))
    }

    // MARK: identity

    /// Finds the user of a token: from the cache, or with an `auth` job.
    func resolve(_ token: String, completion: @escaping (UserProfile?) -> Void) {
        if let profile = tokens.lookup(token, now: now) { return completion(profile) }
        storage.call("auth", ["token": .string(token)]) { [weak self] answer in
            guard let self else { return }
            let profile = UserProfile(answer.object?["user"]?.objectValue)
            if let profile {
                self.tokens.store(token, profile, now: self.now)
            } else if case .failed(let code) = answer, code == "not_found" {
                if self.rejectedTokens.count > 10_000 { self.rejectedTokens.removeAll() }
                self.rejectedTokens[token] = self.now + 5_000
            }
            completion(profile)
        }
    }

    /// (Re)binds a connection to a user; a different user first leaves the room as the old one.
    func bind(_ connection: ChatConnection, to profile: UserProfile) {
        settleUnread()
        if let current = connection.user, current.id == profile.id {
            connection.user = profile
            return
        }
        if let room = connection.room { leave(connection, room: room, tellLeaver: true) }
        connection.user = profile
        connection.unread = nil
        connection.socket.setSharedUser(UInt64(profile.id))
        loadUnread(connection)
    }

    func tokenRevoked(_ token: String) {
        tokens.evict(token)
    }
}
