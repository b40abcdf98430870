import Shared

/// `/ws`, the tutorial's first server (PROTOCOL.md §8, DESIGN.md): a JSON frame with a valid
/// `token` is stored in its room and broadcast, without the token, to every open `/ws` connection on
/// every worker, and as a `message` event to the Socket.IO members of the room. The frame is encoded
/// once, written to this worker's members, and sent once to each other worker, which writes the same
/// bytes to its own. Without a valid token the sender alone hears "User offline cannot send message".
final class BroadcastHub: WebSocketEndpoint {
    static let offline = "User offline cannot send message"

    /// Frames of one connection wait here while its token is looked up, to keep their order.
    private final class Sender {
        var waiting: [[UInt8]] = []
        var lookupInFlight = false
        var limiter: RateLimiter
        init(limiter: RateLimiter) { self.limiter = limiter }
    }

    private unowned let worker: ReactorWorker
    @exclusivity(unchecked) private var members = MemberList()  // read per broadcast (see Connection.output)
    private var senders: [ObjectIdentifier: Sender] = [:]

    init(worker: ReactorWorker) {
        self.worker = worker
    }

    var memberCount: Int { members.count }

    func opened(_ session: WebSocketSession) {
        members.insert(session)
        let rate = worker.configuration.messageRate
        senders[ObjectIdentifier(session)] = Sender(limiter: RateLimiter(rate: rate, burst: rate * 2, now: worker.loop.now))
    }

    func closed(_ session: WebSocketSession) {
        members.remove(session)
        senders[ObjectIdentifier(session)] = nil
    }

    func handOverSnapshot(_ session: WebSocketSession) -> ConnectionSnapshot? {
        // Frames waiting for a token lookup are not at a clean point (the lookup is a job, and the
        // hand-over waits for every job anyway).
        if let sender = senders[ObjectIdentifier(session)], sender.lookupInFlight || !sender.waiting.isEmpty { return nil }
        return .webSocket(.broadcast)
    }

    /// After a hand-over: this process has no members any more.
    func forgetMembers() {
        members = MemberList()
        senders = [:]
    }

    func received(_ session: WebSocketSession, _ kind: WebSocketMessageKind, _ payload: WebSocketMessagePayload) {
        guard kind == .text else {
            session.close(.unsupportedData, "only JSON text messages are accepted")
            return
        }
        guard let sender = senders[ObjectIdentifier(session)] else { return }
        sender.waiting.append(payload.withUnsafeBytes { Array($0) })
        drain(session, sender)
    }

    private func drain(_ session: WebSocketSession, _ sender: Sender) {
        while !sender.lookupInFlight, !sender.waiting.isEmpty {
            let frame = sender.waiting[0]
            guard let object = (try? JSONParser.parse(frame))?.objectValue else {
                sender.waiting.removeFirst()
                refuse(session, "a message must be a JSON object")
                continue
            }
            guard let token = object["token"]?.stringValue, TokenCache.isPlausible(token) else {
                sender.waiting.removeFirst()
                session.sendText(Array(BroadcastHub.offline.utf8))
                continue
            }
            if let profile = worker.chat.tokens.lookup(token, now: worker.loop.now) {
                sender.waiting.removeFirst()
                post(object, from: profile, session, sender)
                continue
            }
            sender.lookupInFlight = true
            worker.chat.resolve(token) { [weak self, weak session] profile in
                guard let self, let session, let sender = self.senders[ObjectIdentifier(session)] else { return }
                sender.lookupInFlight = false
                if profile == nil {
                    sender.waiting.removeFirst()
                    session.sendText(Array(BroadcastHub.offline.utf8))
                }
                // With a profile the frame is handled by the loop, from the cache now.
                self.drain(session, sender)
            }
        }
    }

    private func post(_ frame: JSONObject, from user: UserProfile, _ session: WebSocketSession, _ sender: Sender) {
        guard sender.limiter.allow(now: worker.loop.now) else {
            worker.counters.add(.messagesRateLimited, 1)
            return refuse(session, "too many messages: at most \(worker.configuration.messageRate) per second", counted: false)
        }
        let chat: ChatApplication = worker.chat
        guard let room = chat.rooms.id(from: frame["room_id"]) else { return refuse(session, "unknown room_id") }
        let type = frame["type"]?.stringValue ?? "text"
        var text = "", image = ""
        switch type {
        case "text":
            guard let content = frame["content"]?.stringValue, !content.isEmpty else { return refuse(session, "content must be a non-empty string") }
            guard content.count <= worker.configuration.maxTextLength else { return refuse(session, "content too long") }
            text = content
        case "image":
            guard let url = frame["image"]?.stringValue else { return refuse(session, "image must be a string") }
            switch chat.storedImageURL(url) {
            case .success(let stored): image = stored
            case .failure(let refused): return refuse(session, refused.reason)
            }
        default:
            return refuse(session, "type must be \"text\" or \"image\"")
        }
        let at = Clock.wallMilliseconds()
        guard let posted = chat.post(room: room, user: user, text: text, image: image, completion: { _, _ in }) else {
            return refuse(session, "server busy: message not accepted, try again", counted: false)
        }
        // The frame as sent, minus the token; who sent it comes from the token, never from the frame (A4).
        var out = frame
        out["token"] = nil
        out["name"] = .string(user.name)
        out["avatar"] = .string(user.avatar)
        out["user_id"] = .int(user.id)
        out["room_id"] = .int(Int64(room))
        out["type"] = .string(type)
        if !image.isEmpty { out["image"] = .string(image) }
        out["seq"] = .int(Int64(posted.seq))
        out["time"] = .string(TimeFormat.iso8601UTC(epochMilliseconds: at))
        let bytes = WebSocketFrames.text(JSONWriter.encode(.object(out)))
        deliver(bytes)
        worker.peers.broadcast(.webSocketBroadcast, bytes.bytes)
    }

    private func refuse(_ session: WebSocketSession, _ reason: String, counted: Bool = true) {
        if counted { worker.counters.add(.eventsRefused, 1) }
        session.sendText(JSONWriter.encode(.object(["error": .string(reason)])))
    }

    /// Writes a frame to this worker's members (from a local sender or another worker).
    func deliver(_ frame: SharedBytes) {
        // A copy to iterate: a send may drop a slow client, which removes it from `members`.
        let recipients = members
        recipients.send(frame)
        worker.counters.add(.deliveries, Int64(members.count))
    }
}
