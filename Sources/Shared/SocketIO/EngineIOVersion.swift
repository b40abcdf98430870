/// Engine.IO protocol generation of a session, fixed at its handshake (PROTOCOL.md §4.10).
///
/// `.v3` pairs with Socket.IO protocol revision 4 (socket.io 2.x clients: the client pings, bare `40`),
/// `.v4` with Socket.IO v5 (the server pings, `40{"sid":…}`).
public enum EngineIOVersion: Int, Sendable, Hashable {
    case v3 = 3
    case v4 = 4

    /// From the handshake's `EIO` query value: missing means 3 (as the tutorial's server assumed);
    /// any value other than "3" or "4" gives nil, to be answered with error code 5.
    public init?(queryValue: String?) {
        switch queryValue {
        case nil, "3": self = .v3
        case "4": self = .v4
        default: return nil
        }
    }
}
