import Shared

/// The tutorial's HTTP API (PROTOCOL.md §3) plus logout, user and rooms. Every answer the client
/// reads is HTTP 200 with an `errno`; the work itself (bcrypt, PostgreSQL) happens in task workers.
final class APIRoutes {
    unowned let worker: ReactorWorker
    var chat: ChatApplication { worker.chat }

    init(worker: ReactorWorker) {
        self.worker = worker
    }

    func route(_ exchange: HTTPExchange) {
        worker.counters.add(.apiRequests, 1)
        let request = APIRequest(exchange)
        let method = exchange.head.method
        let post = method == .post, get = method == .get || method == .head
        switch exchange.head.path {
        case "/api/register" where post: register(request)
        case "/api/login" where post: login(request)
        case "/api/logout" where post: logout(request)
        case "/api/user" where get: user(request)
        case "/api/history/message" where get: history(request)
        case "/api/file/uploadimg" where post: uploadImage(request)
        case "/api/file/avatar" where post: uploadAvatar(request)
        case "/api/robot" where get: robot(request)
        case "/api/rooms" where get: rooms(request)
        case "/api/register", "/api/login", "/api/logout", "/api/file/uploadimg", "/api/file/avatar":
            answer(exchange, ["errno": 405, "message": "use POST"], status: .methodNotAllowed, allow: "POST")
        case "/api/user", "/api/history/message", "/api/robot", "/api/rooms":
            answer(exchange, ["errno": 405, "message": "use GET"], status: .methodNotAllowed, allow: "GET, HEAD")
        default:
            answer(exchange, ["errno": 404, "message": "no such API route"], status: .notFound)
        }
    }

    func answer(_ exchange: HTTPExchange, _ body: JSONObject, status: HTTPStatus = .ok, allow: String? = nil) {
        var headers = HTTPHeaders()
        if let allow { headers.add(name: "Allow", value: allow) }
        headers.add(name: "Cache-Control", value: "no-store")
        exchange.respondJSON(status, JSONWriter.encode(.object(body)), headers: headers)
    }

    /// `{"errno": 1, "message": …}`: the tutorial's failure answer for the account routes.
    func fail(_ exchange: HTTPExchange, _ message: String, errno: Int64 = 1, key: String = "message") {
        answer(exchange, ["errno": .int(errno), key: .string(message)])
    }

    static func unavailableMessage(_ code: String) -> String {
        code == "busy" ? "服务器繁忙，请稍后再试 (server busy)" : "服务暂时不可用，请稍后再试 (service unavailable)"
    }

    /// The user of the request's token, or nil (after a lookup job when not cached).
    func authenticate(_ request: APIRequest, _ completion: @escaping (UserProfile?) -> Void) {
        guard let token = request.token else { return completion(nil) }
        chat.resolve(token, completion: completion)
    }
}
