import Testing
@testable import Shared

private let probePing = EngineIOPacket(.ping, text: "probe")

@Suite struct EngineIOUpgradeTests {
    @Test func fullUpgrade() {
        var u = EngineIOUpgrade()
        #expect(u.canProbe)
        #expect(!u.answersPollsImmediately)
        do { let result = u.probeOpened(now: 100); #expect(result) }
        #expect(!u.canProbe)
        #expect(!u.answersPollsImmediately)  // polls are held until the client pauses polling
        do { let result = u.probeReceived(probePing); #expect(result == .reply(EngineIOPacket(.pong, text: "probe"))) }
        #expect(u.answersPollsImmediately)
        do { let result = u.probeReceived(EngineIOPacket(.upgrade)); #expect(result == .upgrade) }
        #expect(u.isUpgraded)
        #expect(!u.answersPollsImmediately)
        #expect(!u.canProbe)
        #expect(!u.isTimedOut(now: 1_000_000))
    }

    @Test func secondProbeRefused() {
        var u = EngineIOUpgrade()
        do { let result = u.probeOpened(now: 0); #expect(result) }
        do { let result = u.probeOpened(now: 1); #expect(!result) }
    }

    @Test func unexpectedPacketAbandonsTheProbe() {
        var u = EngineIOUpgrade()
        _ = u.probeOpened(now: 0)
        do { let result = u.probeReceived(EngineIOPacket(.message, text: "2[\"x\"]")); #expect(result == .abandon) }
        #expect(u.phase == .none)
        #expect(u.canProbe)
        _ = u.probeOpened(now: 0)
        do { let result = u.probeReceived(EngineIOPacket(.ping, text: "other")); #expect(result == .abandon) }
    }

    @Test func probeClosedBeforeUpgrade() {
        var u = EngineIOUpgrade()
        _ = u.probeOpened(now: 0)
        _ = u.probeReceived(probePing)
        u.probeClosed()
        #expect(u.phase == .none)
        #expect(!u.answersPollsImmediately)
    }

    @Test func closeAfterUpgradeKeepsUpgraded() {
        var u = EngineIOUpgrade()
        _ = u.probeOpened(now: 0)
        _ = u.probeReceived(EngineIOPacket(.upgrade))
        u.probeClosed()
        #expect(u.isUpgraded)
    }

    @Test func timeoutCountsFromTheProbe() {
        var u = EngineIOUpgrade(timeout: 10_000)
        _ = u.probeOpened(now: 1_000)
        #expect(!u.isTimedOut(now: 10_999))
        _ = u.probeReceived(probePing)
        #expect(!u.isTimedOut(now: 10_999))
        #expect(u.isTimedOut(now: 11_000))
    }
}
