import Shared

/// history, rooms, robot.
extension APIRoutes {
    /// PROTOCOL.md §3.5: readable without a token (F18); bad input is `{"data":{"errno":1}}`.
    func history(_ request: APIRequest) {
        let exchange = request.exchange
        let invalid: JSONObject = ["data": .object(["errno": 1, "message": "invalid roomid, current or total"])]
        if let after = request.string("after") {
            return messagesAfter(request, after)
        }
        guard let room = chat.rooms.id(from: request.string("roomid").map(JSONValue.string)),
              let current = Int(request.string("current") ?? "1"), current >= 1, current <= 1_000_000,
              let total = Int(request.string("total") ?? "0"), total >= 0 else {
            return answer(exchange, invalid)
        }
        chat.storage.call("history", ["room": .int(Int64(room)), "current": .int(Int64(current)), "total": .int(Int64(total))]) { [weak self] result in
            guard let self else { return }
            guard case .ok(let object) = result else {
                return self.answer(exchange, ["data": .object(["errno": 1, "message": "history unavailable"])])
            }
            self.answer(exchange, ["data": .object([
                "errno": 0, "data": object["items"] ?? .array([]), "total": object["total"] ?? 0, "current": .int(Int64(current)),
            ])])
        }
    }

    /// `after=<seq>`: the messages a client missed (seq > after), ascending, at most 100; the
    /// client asks again until it gets fewer.
    private func messagesAfter(_ request: APIRequest, _ after: String) {
        let exchange = request.exchange
        guard let room = chat.rooms.id(from: request.string("roomid").map(JSONValue.string)),
              let seq = Int64(after), seq >= 0 else {
            return answer(exchange, ["data": .object(["errno": 1, "message": "invalid roomid or after"])])
        }
        chat.storage.call("since", ["room": .int(Int64(room)), "after": .int(seq), "limit": 100]) { [weak self] result in
            guard let self else { return }
            guard case .ok(let object) = result else {
                return self.answer(exchange, ["data": .object(["errno": 1, "message": "history unavailable"])])
            }
            self.answer(exchange, ["data": .object(["errno": 0, "data": object["items"] ?? .array([])])])
        }
    }

    /// Every room with its online users and, for the caller, its unread count.
    func rooms(_ request: APIRequest) {
        let exchange = request.exchange
        authenticate(request) { [weak self] profile in
            guard let self else { return }
            let list: ([String: Int]) -> Void = { unread in
                let rooms: [JSONValue] = self.chat.rooms.ids.map { id in
                    .object(["id": .int(Int64(id)), "name": .string(self.chat.rooms.name(id)!),
                             "online": .int(Int64(self.chat.presence.onlineCount(room: id))),
                             "unread": .int(Int64(unread[String(id)] ?? 0))])
                }
                self.answer(exchange, ["errno": 0, "data": .array(rooms)])
            }
            guard let profile else { return list([:]) }
            self.chat.storage.call("unread", ["user": .int(profile.id)]) { result in
                var unread: [String: Int] = [:]
                for (key, value) in result.object?["unread"]?.objectValue?.members ?? [] { unread[key] = value.intValue ?? 0 }
                for id in self.chat.rooms.ids where self.chat.presence.contains(user: profile.id, room: id) { unread[String(id)] = 0 }
                list(unread)
            }
        }
    }

    /// PROTOCOL.md §3.8: `{"data": "<JSON as a string>"}`. No upstream robot is called: the reply
    /// is built here, in the format the client parses.
    func robot(_ request: APIRequest) {
        let info = (request.string("info") ?? "").trimmingSpaces
        let text = info.isEmpty ? "你好，我是聊天机器人。想聊点什么？" : "你说的是：「\(info.prefix(200))」。我还在学习中，暂时只会复述哦。"
        let inner = JSONWriter.encode(.object(["code": 100000, "text": .string(text)]))
        answer(request.exchange, ["data": .string(String(decoding: inner, as: UTF8.self))])
    }
}
