import Shared

/// The WebSocket side of an Engine.IO session: one per WebSocket connection, either a session's
/// transport from the start (no `sid`) or the upgrade probe of a polling session. It turns text
/// messages into Engine.IO packets for the session and carries the session's packets as frames.
final class EngineIOWebSocketTransport: WebSocketEndpoint {
    enum Role {
        /// A new session on WebSocket (PROTOCOL.md §4.6).
        case direct(EngineIOVersion, QueryParameters)
        /// The probe of the polling session `sid` (PROTOCOL.md §4.5).
        case probe(sid: String)
        /// A session handed over by the slot's previous process (reload).
        case restored(EngineIOSessionSnapshot)
    }

    private unowned let server: EngineIOServer
    private let role: Role
    private weak var webSocket: WebSocketSession?
    private weak var session: EngineIOSession?

    init(server: EngineIOServer, role: Role) {
        self.server = server
        self.role = role
    }

    /// The WebSocket connection's row in the shared table.
    var row: ConnectionHandle? {
        guard let webSocket, !webSocket.connection.isClosed else { return nil }
        return webSocket.connection.row
    }

    /// The connection carrying this transport while its WebSocket is open.
    var openConnection: Connection? {
        guard let webSocket, webSocket.isOpen else { return nil }
        return webSocket.connection
    }

    func sendText(_ bytes: [UInt8]) {
        webSocket?.sendText(bytes)
    }

    func sendFrame(_ frame: SharedBytes) {
        webSocket?.send(frame)
    }

    func close(_ code: WebSocketCloseCode, _ reason: String) {
        webSocket?.close(code, reason)
    }

    // MARK: WebSocketEndpoint

    func opened(_ webSocket: WebSocketSession) {
        self.webSocket = webSocket
        switch role {
        case .direct(let version, let query):
            session = server.openWebSocketSession(self, version: version, query: query,
                                                  remoteAddress: webSocket.connection.peer.description)
            if session == nil { webSocket.close(.tryAgainLater, "server full") }
        case .restored(let snapshot):
            session = server.restoreSession(snapshot, webSocket: self)
        case .probe(let sid):
            // Checked before the handshake was accepted, but the session may have ended since.
            if let candidate = server.session(sid), candidate.probeOpened(self) {
                session = candidate
            } else {
                webSocket.close(.policyViolation, "session cannot be upgraded")
            }
        }
    }

    func received(_ webSocket: WebSocketSession, _ kind: WebSocketMessageKind, _ payload: WebSocketMessagePayload) {
        guard let session else { return }
        guard kind == .text else { return session.webSocketRefused(self, reason: "binary messages are not supported") }
        let decoded = payload.withUnsafeBytes { bytes in Result { () throws(EngineIOError) in try EngineIOPacket.decode(bytes) } }
        switch decoded {
        case .success(let packet): session.webSocketReceived(self, packet)
        case .failure(let error): session.webSocketRefused(self, reason: error.description)
        }
    }

    func handOverSnapshot(_ webSocket: WebSocketSession) -> ConnectionSnapshot? {
        // A probe is not at a clean point: the upgrade finishes first (or is abandoned).
        guard let session, session.webSocket === self, let snapshot = session.handOverSnapshot() else { return nil }
        return .engineIO(snapshot)
    }

    func closed(_ webSocket: WebSocketSession) {
        let session = self.session
        self.session = nil
        session?.webSocketClosed(self)
    }
}
