import Shared
import Testing
@testable import TaskWorker

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipped))
struct BatchTimingTests {
    /// 500 messages as one batch against 500 batches of one: the batch is one INSERT (one
    /// round trip, one commit) where singles pay both 500 times.
    @Test func aBatchCostsAboutOneRoundTrip() throws {
        let h = try StorageHarness("timing")
        let user = h.register("timing@example.com")
        let count = 500
        // Warm up the connection and the plan caches of both paths.
        _ = h.store([StorageHarness.message(room: 2, seq: 1, user: user.id, msg: "warm")])

        var start = Clock.monotonicNanoseconds()
        for seq in 1...count {
            let outcome = h.store([StorageHarness.message(room: 1, seq: Int64(seq), user: user.id, msg: "single \(seq)")])
            #expect(outcome[0].status == .done)
        }
        let single = Clock.monotonicNanoseconds() - start

        start = Clock.monotonicNanoseconds()
        let outcomes = h.store((1...count).map {
            StorageHarness.message(room: 2, seq: Int64($0 + 1), user: user.id, msg: "batched \($0)")
        })
        let batch = Clock.monotonicNanoseconds() - start
        #expect(outcomes.allSatisfy { $0.status == .done })
        #expect(try h.count("SELECT count(*) FROM messages") == Int64(2 * count + 1))

        let ratio = Double(single) / Double(batch)
        print("storage timing: \(count) single inserts \(single / 1_000_000) ms, one batch of \(count) \(batch / 1_000_000) ms, ratio \(Int(ratio))x")
        #expect(batch < single)
    }
}
