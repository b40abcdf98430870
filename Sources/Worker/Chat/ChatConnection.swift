import Shared

/// The chat's state for one Socket.IO connection (kept in `SocketIOSocket.userData`).
final class ChatConnection {
    typealias Event = (name: String, arguments: [JSONValue], ackID: UInt64?)

    unowned let socket: SocketIOSocket
    /// This worker's number for the connection. Callbacks look the connection up by it rather than
    /// holding a weak reference: a weakly referenced object pays for every retain and release on
    /// the slow path, and the per-message loops touch every connection.
    let number: Int
    /// Who this connection acts as (PROTOCOL.md §5.1); nil = anonymous.
    var user: UserProfile? {
        didSet { userID = user?.id ?? 0 }
    }
    /// `user?.id`, kept apart so that per-message loops need not copy the profile.
    private(set) var userID: Int64 = 0
    /// The chat room it is in (at most one, F23).
    var room: Int?
    /// `socket.webSocketConnection`, kept so that a broadcast writes each member's frame straight
    /// to its connection (measured: the weak-reference hops cost more than the rest of a delivery's
    /// user-space work). Only members are delivered to, and a connection that closes leaves its
    /// room before it is gone.
    var webSocketConnection: Connection?
    var limiter: RateLimiter
    /// Events wait here while a token lookup is in flight, so they are handled in arrival order.
    var waiting: [Event] = []
    var lookupInFlight = false
    /// Unread counts by room id, once loaded from storage for the current user.
    var unread: [Int: Int]?
    /// A `login` asked for `count` before the counts were loaded.
    var countWanted = false
    var closed = false

    init(socket: SocketIOSocket, number: Int, limiter: RateLimiter) {
        self.socket = socket
        self.number = number
        self.limiter = limiter
    }
}
