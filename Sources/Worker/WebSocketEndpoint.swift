import Shared

/// What runs on top of a WebSocket: echo, the `/ws` broadcast, Socket.IO.
protocol WebSocketEndpoint: AnyObject {
    func opened(_ session: WebSocketSession)
    /// A complete data message. `payload` may point into the receive buffer: copy what you keep.
    func received(_ session: WebSocketSession, _ kind: WebSocketMessageKind, _ payload: WebSocketMessagePayload)
    /// The session ended (close handshake, error, timeout or the socket went away). Called once.
    func closed(_ session: WebSocketSession)
    /// What a reload's successor needs to carry the session on, or nil while it cannot travel.
    func handOverSnapshot(_ session: WebSocketSession) -> ConnectionSnapshot?
}
