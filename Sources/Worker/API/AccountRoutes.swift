import Shared

/// register, login, logout, user.
extension APIRoutes {
    func register(_ request: APIRequest) {
        let exchange = request.exchange
        if let error = request.bodyError { return fail(exchange, error) }
        guard let name = request.string("name")?.trimmingSpaces, !name.isEmpty else { return fail(exchange, "The name field is required.") }
        let email = name.lowercased()
        guard AccountRules.isValidEmail(email) else { return fail(exchange, "The name must be a valid email address.") }
        guard let password = request.string("password"), !password.isEmpty else { return fail(exchange, "The password field is required.") }
        guard password.count >= AccountRules.minimumPasswordLength else { return fail(exchange, "The password must be at least 6 characters.") }
        guard password.utf8.count <= AccountRules.maximumPasswordLength else { return fail(exchange, "The password may not be greater than 72 bytes.") }
        let src = request.string("src").flatMap { AccountRules.isAcceptableAvatarURL($0) ? $0 : nil } ?? AccountRules.defaultAvatar
        var seqs = JSONObject()
        for room in chat.rooms.ids { seqs[String(room)] = .int(Int64(worker.context.region.rooms.lastSeq(room: room))) }
        chat.storage.call("register", ["email": .string(email), "password": .string(password), "avatar": .string(src),
                                       "seqs": .object(seqs)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .ok(let object):
                self.answerWithUser(exchange, object, message: "用户注册成功")
            case .failed("email_taken"):
                self.fail(exchange, "The name has already been taken.")
            case .failed(let code):
                self.fail(exchange, code == "invalid" ? "保存用户到数据库失败" : APIRoutes.unavailableMessage(code))
            }
        }
    }

    func login(_ request: APIRequest) {
        let exchange = request.exchange
        if let error = request.bodyError { return fail(exchange, error) }
        guard let name = request.string("name")?.trimmingSpaces, !name.isEmpty else { return fail(exchange, "The name field is required.") }
        guard let password = request.string("password"), !password.isEmpty else { return fail(exchange, "The password field is required.") }
        chat.storage.call("login", ["email": .string(name.lowercased()), "password": .string(password)]) { [weak self] result in
            guard let self else { return }
            switch result {
            case .ok(let object):
                self.answerWithUser(exchange, object, message: "用户登录成功")
            case .failed("mismatch"), .failed("not_found"), .failed("invalid"):
                self.fail(exchange, "用户名和密码不匹配，请重新输入")
            case .failed(let code):
                self.fail(exchange, APIRoutes.unavailableMessage(code))
            }
        }
    }

    /// The owner's own answer: the user with the token just made (the only place a token appears).
    private func answerWithUser(_ exchange: HTTPExchange, _ object: JSONObject, message: String) {
        guard var user = object["user"]?.objectValue, let token = object["token"]?.stringValue,
              let profile = UserProfile(user) else {
            return fail(exchange, APIRoutes.unavailableMessage("unavailable"))
        }
        chat.tokens.store(token, profile, now: worker.loop.now)
        user["api_token"] = .string(token)
        answer(exchange, ["errno": 0, "user": .object(user), "message": .string(message)])
    }

    func logout(_ request: APIRequest) {
        let exchange = request.exchange
        guard let token = request.token else { return fail(exchange, "用户已退出") }
        chat.storage.call("logout", ["token": .string(token)]) { [weak self] result in
            guard let self else { return }
            // Evicted here and on every other worker, so the token stops working everywhere now.
            self.chat.tokenRevoked(token)
            self.worker.peers.broadcast(.chat, ChatPeerMessage.tokenRevoked(token).encoded())
            switch result {
            case .ok: self.answer(exchange, ["errno": 0, "message": "用户退出成功"])
            case .failed("not_found"): self.fail(exchange, "用户已退出")
            case .failed(let code): self.fail(exchange, APIRoutes.unavailableMessage(code))
            }
        }
    }

    func user(_ request: APIRequest) {
        let exchange = request.exchange
        authenticate(request) { [weak self] profile in
            guard let self else { return }
            guard let profile, let token = request.token else { return self.fail(exchange, "未登录 (not logged in)") }
            self.answer(exchange, ["errno": 0, "user": .object([
                "id": .int(profile.id), "name": .string(profile.name), "email": .string(profile.email),
                "avatar": .string(profile.avatar), "api_token": .string(token),
            ])])
        }
    }
}
