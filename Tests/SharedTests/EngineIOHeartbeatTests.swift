import Testing
@testable import Shared

@Suite struct EngineIOHeartbeatTests {
    @Test func eio3OnlyWatchesForSilence() {
        var h = EngineIOHeartbeat(version: .v3, pingInterval: 25_000, pingTimeout: 20_000, grace: 5_000, now: 0)
        do { let result = h.check(now: 10_000); #expect(result == .none) }
        do { let result = h.check(now: 49_999); #expect(result == .none) }
        h.packetReceived(now: 25_000)  // the client's ping
        do { let result = h.check(now: 60_000); #expect(result == .none) }
        do { let result = h.check(now: 74_999); #expect(result == .none) }
        do { let result = h.check(now: 75_000); #expect(result == .timeout) }
    }

    @Test func eio3NeverPings() {
        var h = EngineIOHeartbeat(version: .v3, pingInterval: 1_000, pingTimeout: 1_000, grace: 0, now: 0)
        for t in stride(from: 0, to: 2_000, by: 100) {
            do { let result = h.check(now: Int64(t)); #expect(result != .sendPing) }
        }
    }

    @Test func eio4PingsEveryIntervalAfterThePong() {
        var h = EngineIOHeartbeat(version: .v4, pingInterval: 25_000, pingTimeout: 20_000, grace: 5_000, now: 0)
        do { let result = h.check(now: 24_999); #expect(result == .none) }
        do { let result = h.check(now: 25_000); #expect(result == .sendPing) }
        do { let result = h.check(now: 26_000); #expect(result == .none) }  // one ping at a time
        h.pongReceived(now: 26_000)
        #expect(h.pingSentAt == nil)
        do { let result = h.check(now: 50_999); #expect(result == .none) }
        do { let result = h.check(now: 51_000); #expect(result == .sendPing) }
    }

    @Test func eio4ClosesWithoutPong() {
        var h = EngineIOHeartbeat(version: .v4, pingInterval: 25_000, pingTimeout: 20_000, grace: 5_000, now: 0)
        do { let result = h.check(now: 25_000); #expect(result == .sendPing) }
        // Other packets keep the session alive in general, but do not answer the ping.
        h.packetReceived(now: 30_000)
        do { let result = h.check(now: 44_999); #expect(result == .none) }
        do { let result = h.check(now: 45_000); #expect(result == .timeout) }
    }

    @Test func pongWithoutPingIsHarmless() {
        var h = EngineIOHeartbeat(version: .v4, pingInterval: 25_000, pingTimeout: 20_000, grace: 5_000, now: 0)
        h.pongReceived(now: 10_000)
        #expect(h.nextPingAt == 25_000)
        do { let result = h.check(now: 25_000); #expect(result == .sendPing) }
    }
}
