import Shared

/// The master's record of one child slot: who holds it now and how it has been doing, for respawn
/// decisions (a child that keeps dying young is restarted with a growing delay).
struct ChildSlot {
    let role: ProcessRole
    var pid: Int32?
    var startedAt: Int64 = 0
    var ready = false
    /// Set when the master itself asked this process to go (reload, shutdown): its exit is expected.
    var retiring = false
    /// Consecutive deaths within `ChildSlot.stableAfter` of starting.
    var quickFailures = 0
    var restartTimer: TimerID?
    /// A reload's retiring worker, still passing its connections to `pid`, its successor.
    var handingOverPid: Int32?
    /// Non-zero while the process in the slot is adopting connections (hand-over id).
    var handOverID: UInt64 = 0

    static let stableAfter: Int64 = 10_000
    static let maxBackoff: Int64 = 30_000

    init(role: ProcessRole) { self.role = role }

    /// Delay before the next start after an unexpected exit at `now`.
    mutating func backoffAfterCrash(now: Int64) -> Int64 {
        if now - startedAt >= ChildSlot.stableAfter {
            quickFailures = 0
        }
        quickFailures += 1
        if quickFailures == 1 { return 0 }
        let exponent = min(quickFailures - 2, 16)
        return min(ChildSlot.maxBackoff, 250 << Int64(exponent))
    }
}
