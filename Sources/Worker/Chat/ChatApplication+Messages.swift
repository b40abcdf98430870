import Shared

/// Chat messages: checked, numbered, delivered, stored; and the unread counts they change.
extension ChatApplication {
    func sendMessage(from connection: ChatConnection, _ payload: JSONObject, ackID: UInt64?) {
        guard let user = connection.user else { return }
        guard connection.limiter.allow(now: now) else {
            worker.counters.add(.messagesRateLimited, 1)
            return reject(connection, "message", "too many messages: at most \(worker.configuration.messageRate) per second",
                          counted: false)
        }
        guard let room = rooms.id(from: payload["roomid"]) else { return reject(connection, "message", "unknown roomid") }
        let text: String
        switch payload["msg"] {
        case nil, .null?: text = ""
        case .string(let value)?: text = value
        default: return reject(connection, "message", "msg must be a string")
        }
        var image: String
        switch payload["img"] {
        case nil, .null?: image = ""
        case .string(let value)?: image = value
        default: return reject(connection, "message", "img must be a string")
        }
        guard !text.isEmpty || !image.isEmpty else { return reject(connection, "message", "empty message") }
        guard text.count <= worker.configuration.maxTextLength else {
            return reject(connection, "message", "message too long: at most \(worker.configuration.maxTextLength) characters")
        }
        if !image.isEmpty {
            switch storedImageURL(image) {
            case .success(let url): image = url
            case .failure(let refused): return reject(connection, "message", refused.reason)
            }
        }
        let number = connection.number
        guard let message = post(room: room, user: user, text: text, image: image, completion: { [weak self] status, answer in
            guard let self, let connection = self.connections[number], !connection.closed else { return }
            guard status == .done, let object = answer else {
                return connection.socket.emit("error", .object(["message": "message could not be stored", "event": "message"]))
            }
            if let ackID { connection.socket.ack(ackID, [.object(object)]) }
        }) else {
            return reject(connection, "message", "server busy: message not accepted, try again", counted: false)
        }
        // The tutorial always echoes to the sender, in the room or not.
        if members[room]?[connection.number] == nil { connection.socket.send(message.packet) }
    }

    /// Numbers, delivers and stores one message (from Socket.IO or `/ws`). Nil when the job queue
    /// is full (nothing was numbered or sent). `completion` gets the storage answer `{"id", "seq"}`.
    func post(room: Int, user: UserProfile, text: String, image: String,
              completion: @escaping (JobStatus, JSONObject?) -> Void) -> (packet: OutgoingPacket, seq: UInt64)? {
        guard worker.tasks.hasRoom, let seq = worker.context.region.rooms.nextSeq(room: room) else {
            worker.counters.add(.jobsRejected, 1)
            return nil
        }
        let at = Clock.wallMilliseconds()
        var body = JSONObject()
        body["userid"] = .string(user.email)
        body["username"] = .string(user.name)
        body["src"] = .string(user.avatar)
        body["msg"] = .string(text)
        body["img"] = .string(image)
        body["roomid"] = .int(Int64(room))
        body["time"] = .string(TimeFormat.iso8601UTC(epochMilliseconds: at))
        body["seq"] = .int(Int64(seq))
        let packet = OutgoingPacket.event("message", .object(body))
        worker.counters.add(.messagesOut, 1)
        deliver(packet, room: room, sender: user.id)
        // Workers with members get the packet; the others only need to count it as unread.
        let workers = worker.context.region.rooms.workersWithMembers(room: room)
        var full: [UInt8]?, bump: [UInt8]?
        for peer in 0..<worker.context.topology.workerCount where peer != slot {
            if workers.contains(peer) {
                if full == nil { full = ChatPeerMessage.roomMessage(room: room, sender: user.id, packet: packet.packetBytes).encoded() }
                worker.peers.send(to: peer, .chat, full!)
            } else {
                if bump == nil { bump = ChatPeerMessage.unreadBump(room: room, sender: user.id).encoded() }
                worker.peers.send(to: peer, .chat, bump!)
            }
        }
        let job: JSONValue = .object(["room": .int(Int64(room)), "seq": .int(Int64(seq)), "user": .int(user.id),
                                      "msg": .string(text), "img": .string(image), "at": .int(at)])
        worker.tasks.submit(.messageReceived, payload: JSONWriter.encode(job), route: UInt64(room)) { status, payload in
            let answer = (try? JSONParser.parse(payload))?.objectValue
            if status != .done { Log.warn("message not stored", ["room": room, "seq": seq, "status": "\(status)"]) }
            completion(status, answer)
        }
        return (packet, seq)
    }

    /// A message of `room` reaches this worker's members; everyone else here may have one more unread.
    func deliver(_ packet: OutgoingPacket, room: Int, sender: Int64) {
        let recipients = members[room] ?? [:]
        for connection in recipients.values {
            if let direct = connection.webSocketConnection {
                direct.send(packet.webSocketFrame)
            } else {
                connection.socket.send(packet)
            }
        }
        worker.counters.add(.deliveries, Int64(recipients.count))
        bumpUnread(room: room, sender: sender)
    }

    /// F3: unread grows only for users who are not in the room and did not send the message.
    /// Counted at the end of the turn (see `PendingUnread`).
    func bumpUnread(room: Int, sender: Int64) {
        // Every connection here in this room (members are a subset of connections): nobody to
        // count for.
        if members[room]?.count == connections.count { return }
        pendingUnread.add(room: room, sender: sender)
        if !unreadSettleScheduled {
            unreadSettleScheduled = true
            worker.loop.deferToTurnEnd(self)
        }
    }

    /// Adds the pending messages to the counts: one walk over the connections per room.
    func settleUnread() {
        guard !pendingUnread.isEmpty else { return }
        for (room, tally) in pendingUnread.take() {
            if members[room]?.count == connections.count { continue }
            for connection in connections.values where connection.room != room && connection.unread != nil {
                let user = connection.userID
                guard user != 0, !presence.contains(user: user, room: room) else { continue }
                let count = tally.count(for: user)
                guard count > 0 else { continue }
                connection.unread?[room, default: 0] += count
                countChanged(connection)
            }
        }
    }

    /// `count` carries the whole map, so a busy room's messages need not each cost every other
    /// online user a frame: changes within `countCoalescing` ms go out as one `count`.
    func countChanged(_ connection: ChatConnection) {
        countsDue[connection.number] = connection
        guard !countFlushScheduled else { return }
        countFlushScheduled = true
        worker.loop.schedule(after: ChatApplication.countCoalescing) { [weak self] in self?.flushCounts() }
    }

    func flushCounts() {
        settleUnread()
        countFlushScheduled = false
        let due = countsDue
        countsDue = [:]
        for connection in due.values where !connection.closed { connection.socket.emit("count", countMap(connection)) }
    }

    func countMap(_ connection: ChatConnection) -> JSONValue {
        settleUnread()
        var map = JSONObject()
        for id in rooms.ids { map[rooms.name(id)!] = .int(Int64(connection.unread?[id] ?? 0)) }
        return .object(map)
    }

    func sendCount(_ connection: ChatConnection) {
        if connection.unread != nil {
            connection.socket.emit("count", countMap(connection))
        } else {
            connection.countWanted = true
        }
    }

    func loadUnread(_ connection: ChatConnection) {
        guard let user = connection.user else { return }
        let number = connection.number
        storage.call("unread", ["user": .int(user.id)]) { [weak self] answer in
            guard let self, let connection = self.connections[number], !connection.closed, connection.userID == user.id else { return }
            var unread: [Int: Int] = [:]
            for id in self.rooms.ids {
                unread[id] = self.presence.contains(user: user.id, room: id) ? 0
                    : answer.object?["unread"]?.objectValue?[String(id)]?.intValue ?? 0
            }
            self.settleUnread()
            connection.unread = unread
            if connection.countWanted {
                connection.countWanted = false
                connection.socket.emit("count", self.countMap(connection))
            }
        }
    }

    /// The user has read `room` up to its newest message: stored, and this worker's connections of
    /// the user show 0 for it at once. Only connections whose count changed are told, and the
    /// `joiner` (which gets its counts on joining): a user with many connections in the room would
    /// otherwise cost every join a `count` to each of them.
    func markRead(user: Int64, room: Int, joiner: ChatConnection? = nil) {
        settleUnread()
        let seq = worker.context.region.rooms.lastSeq(room: room)
        storage.call("markRead", ["user": .int(user), "room": .int(Int64(room)), "seq": .int(Int64(seq))]) { _ in }
        for connection in connections.values where connection.userID == user && connection.unread != nil {
            if connection.unread?[room] != 0 || connection === joiner {
                connection.unread?[room] = 0
                connection.socket.emit("count", countMap(connection))
            }
        }
    }

    /// An image message's `img`: a data URL is decoded and stored; a URL must be one we stored.
    struct ImageRefused: Error {
        let reason: String
    }

    func storedImageURL(_ image: String) -> Result<String, ImageRefused> {
        if image.hasPrefix("data:") {
            switch DataURL.decodeBase64(image, maxBytes: images.maxSize) {
            case .failure(.tooLarge): return .failure(ImageRefused(reason: "image too large: at most \(images.maxSize) bytes"))
            case .failure: return .failure(ImageRefused(reason: "img must be a base64 data URL or a URL returned by an upload"))
            case .success(let bytes):
                switch bytes.withUnsafeBytes({ images.store($0, in: .messages) }) {
                case .success(let url): return .success(url)
                case .failure(let failure): return .failure(ImageRefused(reason: failure.message))
                }
            }
        }
        guard images.contains(url: image) else {
            return .failure(ImageRefused(reason: "img must be a base64 data URL or a URL returned by an upload"))
        }
        return .success(image)
    }
}

extension ChatApplication: TurnEndHandler {
    func turnEnded() {
        unreadSettleScheduled = false
        settleUnread()
    }
}
