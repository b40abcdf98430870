/// The heartbeat of one Engine.IO session, as pure state driven by the caller's clock (ms).
///
/// EIO3 (PROTOCOL.md §4.7): the client pings and the server only answers, so the server merely
/// watches for silence. EIO4 (§4.10): the server pings every `pingInterval` after the last pong and
/// gives up when the pong does not come within `pingTimeout`. Both: a session from which nothing at
/// all arrives for `pingInterval + pingTimeout + grace` is dead (the client has given up by then).
public struct EngineIOHeartbeat: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Send a `2` now (EIO4).
        case sendPing
        /// Close the session: the client is gone.
        case timeout
    }

    public let version: EngineIOVersion
    public let pingInterval: Int64
    public let pingTimeout: Int64
    public let grace: Int64
    public private(set) var lastReceivedAt: Int64
    /// EIO4: when the unanswered ping was sent.
    public private(set) var pingSentAt: Int64?
    /// EIO4: when the next ping is due (while no ping is outstanding).
    public private(set) var nextPingAt: Int64

    public init(version: EngineIOVersion, pingInterval: Int64, pingTimeout: Int64, grace: Int64, now: Int64) {
        self.version = version
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.grace = grace
        lastReceivedAt = now
        nextPingAt = now + pingInterval
    }

    /// The state of the same session in another process (a reload): the monotonic clock is the
    /// machine's, so the times carry over as they are. A ping due keeps its time: restarting the
    /// interval would leave a client that counts on it without a ping for too long.
    public mutating func restore(lastReceivedAt: Int64, pingSentAt: Int64?, nextPingAt: Int64) {
        self.lastReceivedAt = lastReceivedAt
        self.pingSentAt = version == .v4 ? pingSentAt : nil
        self.nextPingAt = nextPingAt
    }

    /// Any packet arrived.
    public mutating func packetReceived(now: Int64) {
        lastReceivedAt = max(lastReceivedAt, now)
    }

    /// A `3` arrived (EIO4: the answer to our ping; the next one is due a full interval later).
    public mutating func pongReceived(now: Int64) {
        packetReceived(now: now)
        guard version == .v4, pingSentAt != nil else { return }
        pingSentAt = nil
        nextPingAt = now + pingInterval
    }

    /// What to do at `now`; call it periodically.
    public mutating func check(now: Int64) -> Action {
        if now - lastReceivedAt >= pingInterval + pingTimeout + grace { return .timeout }
        guard version == .v4 else { return .none }
        if let sent = pingSentAt {
            return now - sent >= pingTimeout ? .timeout : .none
        }
        if now >= nextPingAt {
            pingSentAt = now
            return .sendPing
        }
        return .none
    }
}
