import Shared

/// Image uploads (PROTOCOL.md §3.6, §3.7): the type comes from the bytes, names from the content.
extension APIRoutes {
    func uploadImage(_ request: APIRequest) {
        let exchange = request.exchange
        if let error = request.bodyError { return fail(exchange, error, errno: 500, key: "msg") }
        authenticate(request) { [weak self] profile in
            guard let self else { return }
            guard profile != nil else { return self.fail(exchange, "请先登录 (log in first)", errno: 401, key: "msg") }
            guard self.chat.rooms.id(from: request.string("roomid").map(JSONValue.string)) != nil,
                  let file = request.files["file"], !file.bytes.isEmpty else {
                return self.fail(exchange, "无效的参数（房间号/图片文件为空或者无效）", errno: 500, key: "msg")
            }
            switch file.bytes.withUnsafeBytes({ self.chat.images.store($0, in: .messages) }) {
            case .success(let url):
                self.answer(exchange, ["errno": 0, "msg": "保存成功", "data": .object(["url": .string(url)])])
            case .failure(let failure):
                self.fail(exchange, failure.message, errno: 500, key: "msg")
            }
        }
    }

    func uploadAvatar(_ request: APIRequest) {
        let exchange = request.exchange
        if let error = request.bodyError { return fail(exchange, error, errno: 500, key: "msg") }
        authenticate(request) { [weak self] profile in
            guard let self else { return }
            guard var profile else { return self.fail(exchange, "请先登录 (log in first)", errno: 401, key: "msg") }
            guard let file = request.files["file"], !file.bytes.isEmpty else {
                return self.fail(exchange, "无效的参数（图片文件为空）", errno: 500, key: "msg")
            }
            let stored = file.bytes.withUnsafeBytes { self.chat.images.store($0, in: .avatars) }
            guard case .success(let url) = stored else {
                if case .failure(let failure) = stored { self.fail(exchange, failure.message, errno: 500, key: "msg") }
                return
            }
            self.chat.storage.call("avatar", ["user": .int(profile.id), "url": .string(url)]) { result in
                guard case .ok = result else { return self.fail(exchange, "文件上传失败，请重试", errno: 500, key: "msg") }
                profile.avatar = url
                self.chat.peerMessage(.profileChanged(profile), from: self.worker.slot)
                self.worker.peers.broadcast(.chat, ChatPeerMessage.profileChanged(profile).encoded())
                self.answer(exchange, ["errno": 0, "data": .object(["url": .string(url)]), "msg": "保存成功"])
            }
        }
    }
}
