import Shared

/// What runs on top of an Engine.IO server: the chat room at `/socket.io/`, the echo application at
/// `/echo.io/`. Every call comes from the worker's loop; a socket is only ever seen by the worker
/// that owns its session.
protocol SocketIOApplication: AnyObject {
    /// The Socket.IO connection to "/" is established (EIO3: right after the open packet, the server
    /// sends "40"; EIO4: when the client sends "40" or "40{...}", answered "40{\"sid\":...}"). `auth`
    /// is the CONNECT payload (EIO4) or nil.
    func socketConnected(_ socket: SocketIOSocket, auth: JSONValue?)
    /// An EVENT packet: name and arguments (JSON values), with its ack id if the client asked for one.
    func socketEvent(_ socket: SocketIOSocket, name: String, arguments: [JSONValue], ackID: UInt64?)
    /// The socket is gone (transport closed, ping timeout, client 41, server shutdown). Called once,
    /// and only for a socket that was connected.
    func socketDisconnected(_ socket: SocketIOSocket, reason: String)
    /// The socket's session moved from polling to WebSocket (`webSocketConnection` changed).
    func socketTransportChanged(_ socket: SocketIOSocket)

    // A reload passes sockets to the slot's next process:
    /// Whether nothing is in flight for the socket (no storage lookup, no events waiting).
    func canHandOver(_ socket: SocketIOSocket) -> Bool
    /// The application's state of the socket, to travel with it.
    func handOverSnapshot(_ socket: SocketIOSocket) -> ChatSnapshot?
    /// In the next process: a connected socket with the state it had (no events are sent).
    func restore(_ socket: SocketIOSocket, _ snapshot: ChatSnapshot?)
}
