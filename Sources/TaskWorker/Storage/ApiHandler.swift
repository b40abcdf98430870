import Shared

/// Runs one `api` job: `{"op": name, ...}` in, an answer object out (JOBS.md). Input was validated
/// by the reactor; what is checked here is what the database needs to be safe (types, ranges).
final class ApiHandler {
    private let store: ChatStore
    private let hasher: PasswordHasher

    init(store: ChatStore, hasher: PasswordHasher) {
        self.store = store
        self.hasher = hasher
    }

    func handle(_ payload: [UInt8]) -> JSONObject {
        guard let request = (try? JSONParser.parse(payload))?.objectValue, let op = request["op"]?.stringValue else {
            return ApiAnswer.invalid
        }
        do {
            return try run(op, Request(request))
        } catch {
            if error.isUnavailable { return ApiAnswer.unavailable }
            if case .invalidParameter = error { return ApiAnswer.invalid }
            Log.warn("api job failed", ["op": op, "error": error])
            return ApiAnswer.internalError
        }
    }

    private func run(_ op: String, _ r: Request) throws(DatabaseError) -> JSONObject {
        switch op {
        case "register": return try register(r)
        case "login": return try login(r)
        case "logout":
            guard let token = r.string("token") else { return ApiAnswer.invalid }
            return try store.revoke(token: token) ? ApiAnswer.ok() : ApiAnswer.notFound
        case "auth":
            guard let token = r.string("token") else { return ApiAnswer.invalid }
            guard let user = try store.user(token: token) else { return ApiAnswer.notFound }
            return ApiAnswer.ok([("user", ApiAnswer.user(user))])
        case "history": return try history(r)
        case "since":
            guard let room = r.id("room"), let after = r.int64("after"), after >= 0 else { return ApiAnswer.invalid }
            let limit = Int(min(max(r.int64("limit") ?? 100, 1), 500))
            guard let items = try store.messages(room: Int(clamping: room), after: after, limit: limit) else {
                return ApiAnswer.notFound
            }
            return ApiAnswer.ok([("items", .array(items.map(ApiAnswer.historyItem)))])
        case "unread":
            guard let user = r.id("user") else { return ApiAnswer.invalid }
            guard let counts = try store.unread(userID: user) else { return ApiAnswer.notFound }
            let unread = JSONObject(counts.map { (key: String($0.room), value: JSONValue.int($0.count)) })
            return ApiAnswer.ok([("unread", .object(unread))])
        case "markRead":
            guard let user = r.id("user"), let room = r.id("room"), let seq = r.int64("seq"), seq >= 0 else {
                return ApiAnswer.invalid
            }
            guard store.isRoom(Int(room)) else { return ApiAnswer.notFound }
            return try store.markRead(userID: user, room: Int(room), seq: seq) ? ApiAnswer.ok() : ApiAnswer.notFound
        case "avatar":
            guard let user = r.id("user"), let url = r.string("url") else { return ApiAnswer.invalid }
            return try store.setAvatar(userID: user, url: url) ? ApiAnswer.ok() : ApiAnswer.notFound
        case "rooms":
            let rooms = try store.rooms().map { room -> JSONValue in
                ["id": .int(Int64(room.id)), "name": .string(room.name), "seq": .int(room.seq)]
            }
            return ApiAnswer.ok([("rooms", .array(rooms))])
        default:
            return ApiAnswer.invalid
        }
    }

    private func register(_ r: Request) throws(DatabaseError) -> JSONObject {
        guard let email = r.string("email"), !email.isEmpty, let password = r.string("password"), !password.isEmpty,
              let avatar = r.string("avatar") else { return ApiAnswer.invalid }
        // Hashing first (~50 ms) keeps the insert's statement short.
        guard let hash = hasher.hash(password) else { return ApiAnswer.invalid }
        let token = RandomToken.apiToken()
        // The rooms' seqs as the worker saw them: messages numbered but not yet committed are not
        // unread for someone who registered after they were sent.
        let seen = r.object["seqs"]?.objectValue.map { String(decoding: JSONWriter.encode(.object($0)), as: UTF8.self) } ?? "{}"
        guard let user = try store.register(email: email, passwordHash: hash, avatar: avatar, token: token, seenSeqs: seen) else {
            return ApiAnswer.emailTaken
        }
        return ApiAnswer.ok([("user", ApiAnswer.user(user)), ("token", .string(token))])
    }

    private func login(_ r: Request) throws(DatabaseError) -> JSONObject {
        guard let email = r.string("email"), let password = r.string("password") else { return ApiAnswer.invalid }
        guard let found = try store.userForLogin(email: email) else {
            // Same time as a wrong password: the answer does not tell which emails exist.
            _ = hasher.verifyDecoy(password)
            return ApiAnswer.mismatch
        }
        guard hasher.verify(password, against: found.passwordHash) else { return ApiAnswer.mismatch }
        let token = RandomToken.apiToken()
        try store.addToken(userID: found.user.id, token: token)
        return ApiAnswer.ok([("user", ApiAnswer.user(found.user)), ("token", .string(token))])
    }

    private func history(_ r: Request) throws(DatabaseError) -> JSONObject {
        guard let room = r.id("room"), let current = r.int64("current"), current >= 1 else { return ApiAnswer.invalid }
        let total = r.int64("total") ?? 0
        guard total >= 0 else { return ApiAnswer.invalid }
        // (current - 1) * 20, refusing pages so far out that the product overflows.
        let (skip, overflow) = (current - 1).multipliedReportingOverflow(by: Int64(ChatStore.pageSize))
        guard !overflow, skip < Int64.max / 2 else { return ApiAnswer.invalid }
        guard let page = try store.history(room: Int(clamping: room), skip: skip, total: total) else {
            return ApiAnswer.notFound
        }
        return ApiAnswer.ok([("items", .array(page.items.map(ApiAnswer.historyItem))), ("total", .int(page.count))])
    }
}

/// Typed access to a request's fields. Numbers may also come as decimal strings (ids read from a
/// URL by browser clients).
private struct Request {
    let object: JSONObject

    init(_ object: JSONObject) { self.object = object }

    func string(_ key: String) -> String? { object[key]?.stringValue }

    func int64(_ key: String) -> Int64? {
        guard let value = object[key] else { return nil }
        if let n = value.int64Value { return n }
        return value.intValueAcceptingNumericString.map(Int64.init)
    }

    /// A positive id (users, rooms).
    func id(_ key: String) -> Int64? {
        guard let n = int64(key), n >= 1 else { return nil }
        return n
    }
}
