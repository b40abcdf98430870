/// The Engine.IO error answers (PROTOCOL.md §4.9): HTTP status and `{"code":n,"message":"…"}`.
public struct EngineIORefusal: Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    public let message: String
    public let status: Int

    public init(code: Int, message: String, status: Int = 400) {
        self.code = code
        self.message = message
        self.status = status
    }

    public static let unknownTransport = EngineIORefusal(code: 0, message: "Transport unknown")
    public static let unknownSession = EngineIORefusal(code: 1, message: "Session ID unknown")
    public static let badHandshakeMethod = EngineIORefusal(code: 2, message: "Bad handshake method")
    public static let badRequest = EngineIORefusal(code: 3, message: "Bad request")
    public static let forbidden = EngineIORefusal(code: 4, message: "Forbidden", status: 403)
    public static let unsupportedProtocolVersion = EngineIORefusal(code: 5, message: "Unsupported protocol version")

    /// The JSON body.
    public var body: [UInt8] {
        var o = JSONObjectWriter()
        o.add("code", int: code)
        o.add("message", string: message)
        return o.finish()
    }

    public var description: String { "\(code) \(message)" }
}

/// What an HTTP request to an Engine.IO path asks for, decided from its method, query and upgrade
/// headers alone (the session table is consulted afterwards), in the order engine.io checks them.
public enum EngineIORequest: Sendable, Equatable {
    /// CORS preflight (`OPTIONS`).
    case preflight
    /// Polling handshake: a new session.
    case openPolling(EngineIOVersion)
    /// WebSocket without `sid`: a new session on WebSocket from the start (PROTOCOL.md §4.6).
    case openWebSocket(EngineIOVersion)
    /// Long-poll `GET` of a session.
    case poll(sid: String)
    /// `POST` of packets to a session.
    case send(sid: String)
    /// WebSocket with `sid`: the upgrade probe of a polling session (PROTOCOL.md §4.5).
    case probe(sid: String)
    case refuse(EngineIORefusal)

    /// - Parameters:
    ///   - transport, sid, eio: the `transport`, `sid` and `EIO` query values.
    ///   - jsonp: whether the query has `j` (JSONP polling, which no current client uses).
    ///   - isWebSocketUpgrade: whether the headers ask for a WebSocket upgrade.
    public static func classify(method: HTTPMethod, transport: String?, sid: String?, eio: String?, jsonp: Bool,
                                isWebSocketUpgrade: Bool) -> EngineIORequest {
        if method == .options { return .preflight }
        guard let transport, transport == "polling" || transport == "websocket" else { return .refuse(.unknownTransport) }
        let webSocket = transport == "websocket"
        // A WebSocket request without the upgrade headers, or an upgrade on the polling transport.
        guard webSocket == isWebSocketUpgrade else { return .refuse(.badRequest) }
        if jsonp && !webSocket { return .refuse(.badRequest) }
        if let sid {
            if webSocket { return .probe(sid: sid) }
            switch method {
            case .get: return .poll(sid: sid)
            case .post: return .send(sid: sid)
            default: return .refuse(.badRequest)
            }
        }
        guard method == .get else { return .refuse(.badHandshakeMethod) }
        guard let version = EngineIOVersion(queryValue: eio) else { return .refuse(.unsupportedProtocolVersion) }
        return webSocket ? .openWebSocket(version) : .openPolling(version)
    }

    /// The session the request names, if any.
    public var sid: String? {
        switch self {
        case .poll(let sid), .send(let sid), .probe(let sid): return sid
        default: return nil
        }
    }
}
