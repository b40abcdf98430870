import Shared

/// The chat's state for one Socket.IO connection (kept in `SocketIOSocket.userData`).
final class ChatConnection {
    typealias Event = (name: String, arguments: [JSONValue], ackID: UInt64?)

    unowned let socket: SocketIOSocket
    /// Who this connection acts as (PROTOCOL.md §5.1); nil = anonymous.
    var user: UserProfile?
    /// The chat room it is in (at most one, F23).
    var room: Int?
    var limiter: RateLimiter
    /// Events wait here while a token lookup is in flight, so they are handled in arrival order.
    var waiting: [Event] = []
    var lookupInFlight = false
    /// Unread counts by room id, once loaded from storage for the current user.
    var unread: [Int: Int]?
    /// A `login` asked for `count` before the counts were loaded.
    var countWanted = false
    var closed = false

    init(socket: SocketIOSocket, limiter: RateLimiter) {
        self.socket = socket
        self.limiter = limiter
    }
}
