/// What a connection is, as recorded in its row of the shared connection table (`state`) for
/// `status` and `/metrics`.
public enum ConnectionState: UInt16, Sendable {
    case http = 1
    case webSocket = 2
    /// A Socket.IO session: on WebSocket, or polling (its own row, fd -1).
    case socketIO = 3
}
