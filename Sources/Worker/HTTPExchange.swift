import Shared

/// One request and the means to answer it, now or later. Routes get an exchange; a late answer
/// (after a task worker replied) for a connection that has gone away is simply dropped.
final class HTTPExchange {
    let head: HTTPRequestHead
    let body: [UInt8]
    private weak var session: HTTPSession?
    private let serial: UInt64
    private(set) var responded = false

    init(head: HTTPRequestHead, body: [UInt8], session: HTTPSession, serial: UInt64) {
        self.head = head
        self.body = body
        self.session = session
        self.serial = serial
    }

    private(set) lazy var query: QueryParameters = QueryString.parse(head.query ?? "")

    /// The path without its query, percent-decoded (nil if it is not valid UTF-8).
    var decodedPath: String? {
        guard let bytes = PercentDecoding.decodePath(head.path) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    var isHead: Bool { head.method == .head }

    var connection: Connection? { session?.connection }

    /// Whether an answer can still reach the client.
    var canRespond: Bool {
        guard !responded, let connection = session?.connection else { return false }
        return !connection.isClosed
    }

    /// Called once if the connection goes away before this request is answered (a client that
    /// gives up on a held long-poll).
    var onConnectionLost: (() -> Void)?

    func connectionLost() {
        guard !responded else { return }
        responded = true
        let action = onConnectionLost
        onConnectionLost = nil
        action?()
    }

    /// Passes the connection and this request to another worker instead of answering here
    /// (Engine.IO polling requests for a session another worker owns). `send` gets the socket and
    /// the request bytes once the connection has left this worker.
    func handOff(_ send: @escaping (_ fd: Int32, _ request: [UInt8]) -> Void) {
        guard !responded, let session else { return }
        responded = true
        session.handOff(serial: serial, send: send)
    }

    func respond(_ status: HTTPStatus, contentType: String? = nil, body: [UInt8] = [],
                 headers: HTTPHeaders = HTTPHeaders(), close: Bool = false) {
        guard !responded else { return }
        responded = true
        onConnectionLost = nil
        session?.finish(serial: serial, status: status, contentType: contentType, body: body,
                        headers: headers, close: close, headOnly: isHead)
    }

    func respondJSON(_ status: HTTPStatus, _ json: [UInt8], headers: HTTPHeaders = HTTPHeaders()) {
        respond(status, contentType: "application/json; charset=utf-8", body: json, headers: headers)
    }

    /// `{"error": reason}` with the given status: the answer to bad input on routes that are not
    /// the tutorial's (those answer HTTP 200 with an `errno`).
    func respondError(_ status: HTTPStatus, _ reason: String, headers: HTTPHeaders = HTTPHeaders(), close: Bool = false) {
        var json: [UInt8] = Array("{\"error\":".utf8)
        JSONWriter.appendString(reason, into: &json)
        json.append(UInt8(ascii: "}"))
        respond(status, contentType: "application/json; charset=utf-8", body: json, headers: headers, close: close)
    }

    /// Answers with a head built by the caller followed by `length` bytes of the open file `fd`
    /// (the connection takes the descriptor).
    func respondFile(head responseHead: HTTPResponseHead, fd: Int32, length: Int64) {
        guard !responded else { return }
        responded = true
        session?.finishWithFile(serial: serial, head: responseHead, fd: fd, length: length, headOnly: isHead)
    }

    /// Switches the connection to WebSocket (after validating the handshake) with `endpoint`.
    func upgradeToWebSocket(_ endpoint: WebSocketEndpoint, state: ConnectionState = .webSocket) {
        guard !responded, let session else { return }
        let result = WebSocketHandshake.validate(
            method: head.method.rawValue, httpVersion: (head.version.major, head.version.minor),
            upgrade: head.headers.values("Upgrade").joined(separator: ", ").nilIfEmpty,
            connection: head.headers.values("Connection").joined(separator: ", ").nilIfEmpty,
            secWebSocketVersion: head.headers.first("Sec-WebSocket-Version"),
            secWebSocketKey: head.headers.first("Sec-WebSocket-Key"))
        switch result {
        case .reject(let status, let reason, let extra):
            var headers = HTTPHeaders()
            for (name, value) in extra { headers.add(name: name, value: value) }
            var json: [UInt8] = Array("{\"error\":".utf8)
            JSONWriter.appendString(reason, into: &json)
            json.append(UInt8(ascii: "}"))
            respond(HTTPStatus(code: status), contentType: "application/json; charset=utf-8", body: json, headers: headers)
        case .accept(let key):
            responded = true
            session.upgrade(serial: serial, response: WebSocketHandshake.switchingProtocolsResponse(acceptKey: key),
                            endpoint: endpoint, state: state)
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
