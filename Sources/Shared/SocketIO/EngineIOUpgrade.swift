/// The polling → WebSocket upgrade of one session (PROTOCOL.md §4.5), as pure state.
///
///     none --probe socket opened--> probing --2probe (answered 3probe)--> paused --5--> upgraded
///       ^                              |                                    |
///       +------ probe closed, bad packet, or no 5 within `timeout` ---------+
///
/// While `paused` the client is draining its polling transport: every poll must be answered at
/// once (queued packets, else a noop) so that it can finish and send `5`.
public struct EngineIOUpgrade: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case none
        case probing(since: Int64)
        case paused(since: Int64)
        case upgraded
    }

    public enum ProbeAction: Sendable, Equatable {
        /// Answer on the probe socket with this packet (`3probe`).
        case reply(EngineIOPacket)
        /// The probe socket is now the session's transport.
        case upgrade
        /// Close the probe socket; the session stays on polling.
        case abandon
    }

    /// engine.io's `upgradeTimeout`.
    public static let defaultTimeout: Int64 = 10_000

    public private(set) var phase = Phase.none
    public let timeout: Int64

    public init(timeout: Int64 = EngineIOUpgrade.defaultTimeout) {
        self.timeout = timeout
    }

    /// A probe may start only on a polling session that is not already probing.
    public var canProbe: Bool { phase == .none }

    public var isUpgraded: Bool { phase == .upgraded }

    /// Polls are answered at once instead of held.
    public var answersPollsImmediately: Bool {
        if case .paused = phase { return true }
        return false
    }

    /// The probe socket's handshake succeeded. False if a probe cannot start now.
    public mutating func probeOpened(now: Int64) -> Bool {
        guard canProbe else { return false }
        phase = .probing(since: now)
        return true
    }

    /// A packet arrived on the probe socket.
    public mutating func probeReceived(_ packet: EngineIOPacket) -> ProbeAction {
        switch phase {
        case .probing(let since), .paused(let since):
            if packet.type == .ping && packet.data == Array("probe".utf8) {
                phase = .paused(since: since)
                return .reply(EngineIOPacket.pong(answering: packet))
            }
            if packet.type == .upgrade {
                phase = .upgraded
                return .upgrade
            }
            phase = .none
            return .abandon
        case .none, .upgraded:
            return .abandon
        }
    }

    /// The probe socket went away before the upgrade.
    public mutating func probeClosed() {
        if phase != .upgraded { phase = .none }
    }

    /// Whether the probe has had its `timeout` without completing; the caller then closes it (and
    /// calls `probeClosed`).
    public func isTimedOut(now: Int64) -> Bool {
        switch phase {
        case .probing(let since), .paused(let since): return now - since >= timeout
        case .none, .upgraded: return false
        }
    }
}
