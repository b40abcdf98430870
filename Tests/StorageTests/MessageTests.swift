import Shared
import Testing
@testable import TaskWorker

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipped))
struct MessageTests {
    typealias H = StorageHarness

    @Test func batchWithDuplicateSeqStoresOneRowAndAnswersItsId() throws {
        let h = try StorageHarness("dup")
        let frank = h.register("frank@example.com")
        let outcomes = h.store([H.message(room: 1, seq: 1, user: frank.id, msg: "one"),
                                H.message(room: 1, seq: 1, user: frank.id, msg: "one"),
                                H.message(room: 1, seq: 2, user: frank.id, img: "/storage/images/x.png")])
        #expect(outcomes.map(\.status) == [.done, .done, .done])
        let ids = outcomes.map { $0.json["id"]?.int64Value ?? -1 }
        #expect(ids[0] == ids[1] && ids[0] != ids[2])
        #expect(outcomes.map { $0.json["seq"] } == [1, 1, 2])
        #expect(try h.count("SELECT count(*) FROM messages") == 2)
        #expect(try h.db.execute("SELECT type FROM messages ORDER BY seq").string(row: 1, column: 0) == "image")
        // The same batch again (a task worker died before acking): nothing new, same ids.
        let again = h.store([H.message(room: 1, seq: 2, user: frank.id), H.message(room: 1, seq: 1, user: frank.id)])
        #expect(again.map { $0.json["id"]?.int64Value ?? -1 } == [ids[2], ids[0]])
        #expect(try h.count("SELECT count(*) FROM messages") == 2)
    }

    @Test func jobsThatCanNeverBeWrittenAreRejectedAlone() throws {
        let h = try StorageHarness("reject")
        let gina = h.register("gina@example.com")
        let bad = ReceivedJob(worker: 0, id: 9, kind: .messageReceived, payload: Array("not json".utf8))
        let jobs = [bad] + [H.message(room: 3, seq: 1, user: gina.id),        // no such room
                            H.message(room: 1, seq: 1, user: 424_242),        // no such user
                            H.message(room: 1, seq: 2, user: gina.id, msg: "ok")].map {
            ReceivedJob(worker: 0, id: 1, kind: .messageReceived, payload: JSONWriter.encode($0))
        }
        let outcomes = h.executor.execute(jobs)
        #expect(outcomes.map(\.status) == [.rejected, .rejected, .rejected, .done])
        #expect(outcomes[0].json["error"] == "bad JSON")
        #expect(try h.count("SELECT count(*) FROM messages") == 1)
    }

    @Test func aRowTheDatabaseRefusesDoesNotKeepTheOthersOut() throws {
        let h = try StorageHarness("poison")
        let lena = h.register("lena@example.com")
        // A constraint only this test has, standing in for any per-row refusal.
        try h.db.execute("ALTER TABLE messages ADD CONSTRAINT no_poison CHECK (msg <> 'poison')")
        let outcomes = h.store([H.message(room: 1, seq: 1, user: lena.id, msg: "fine"),
                                H.message(room: 1, seq: 2, user: lena.id, msg: "poison"),
                                H.message(room: 1, seq: 3, user: lena.id, msg: "also fine")])
        #expect(outcomes.map(\.status) == [.done, .rejected, .done])
        #expect(outcomes[1].json == ["error": "not stored"])
        #expect(try h.count("SELECT count(*) FROM messages") == 2)
    }

    @Test func sqlLookingTextIsStoredVerbatim() throws {
        let h = try StorageHarness("verbatim")
        let text = "'); DROP TABLE messages; -- \\ $1 %s \" 😀 \u{2028} {NULL}, \\\" "
        let email = "o'brien+\"x\"@example.com"
        let user = h.register(email, avatar: "'; DELETE FROM users; --")
        #expect(h.store([H.message(room: 1, seq: 1, user: user.id, msg: text)]).map(\.status) == [.done])
        let page = h.api(["op": "history", "room": 1, "current": 1, "total": 0])
        let item = try #require(page["items"]?.arrayValue?.first)
        #expect(item["msg"] == .string(text))
        #expect(item["userid"] == .string(email))
        #expect(item["username"] == "o'brien+\"x\"")
        #expect(item["src"] == "'; DELETE FROM users; --")
        #expect(try h.count("SELECT count(*) FROM users") == 1)
    }

    @Test func arrayParametersRoundTripAnyText() throws {
        let h = try StorageHarness("arrays")
        let texts = ["", " ", "NULL", "null", "a,b", "{}", "{\"x\"}", "\\", "\\\"", "\"", "'", "\t\n", "é😀", " padded "]
        let result = try h.db.execute("SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS a (t, n) ORDER BY n",
                                      [ArrayParameter.texts(texts)])
        #expect((0..<result.rowCount).map { result.string(row: $0, column: 0) } == texts.map { Optional($0) })
        let numbers: [Int64] = [0, -1, Int64.max, Int64.min]
        let ints = try h.db.execute("SELECT n FROM unnest($1::bigint[]) WITH ORDINALITY AS a (n, k) ORDER BY k",
                                    [ArrayParameter.integers(numbers)])
        #expect((0..<ints.rowCount).map { ints.int64(row: $0, column: 0) } == numbers.map { Optional($0) })
    }

    @Test func historyPagesNewestFirstWithTheTotalCorrection() throws {
        let h = try StorageHarness("history")
        let hank = h.register("hank@example.com")
        let base: Int64 = 1_763_900_000_000
        _ = h.store((1...45).map { H.message(room: 1, seq: Int64($0), user: hank.id, msg: "m\($0)", at: base + Int64($0)) })
        _ = h.store([H.message(room: 2, seq: 1, user: hank.id, msg: "elsewhere")])

        func seqs(_ current: Int64, _ total: Int64) -> [Int64] {
            let answer = h.api(["op": "history", "room": 1, "current": .int(current), "total": .int(total)])
            return answer["items"]?.arrayValue?.compactMap { $0["seq"]?.int64Value } ?? [-1]
        }
        let first = h.api(["op": "history", "room": 1, "current": 1, "total": 0])
        #expect(first["total"] == 45)
        #expect(seqs(1, 0) == Array(26...45))
        #expect(seqs(2, 45) == Array(6...25))
        // Five more arrive; a client paging with its first total still gets the next older page.
        _ = h.store((46...50).map { H.message(room: 1, seq: Int64($0), user: hank.id, msg: "m\($0)", at: base + Int64($0)) })
        #expect(seqs(2, 45) == Array(6...25))
        #expect(seqs(3, 45) == Array(1...5))
        #expect(seqs(4, 45) == [])
        #expect(seqs(1, 0) == Array(31...50))

        let item = try #require(first["items"]?.arrayValue?.last?.objectValue)
        #expect(item.keys == ["id", "seq", "userid", "username", "src", "msg", "img", "roomid", "time"])
        #expect(item["msg"] == "m45" && item["roomid"] == 1 && item["userid"] == "hank@example.com")
        #expect(item["time"] == .string(TimeFormat.iso8601UTC(epochMilliseconds: base + 45)))
        #expect(h.api(["op": "history", "room": 9, "current": 1]) == ["ok": false, "error": "not_found"])
    }

    @Test func roomsListsConfiguredRoomsWithTheirHighestSeq() throws {
        let h = try StorageHarness("rooms")
        let ivy = h.register("ivy@example.com")
        _ = h.store([H.message(room: 2, seq: 3, user: ivy.id, msg: "x")])
        #expect(h.api(["op": "rooms"]) == ["ok": true, "rooms": [["id": 1, "name": "room1", "seq": 0],
                                                                ["id": 2, "name": "room2", "seq": 3]]])
    }
}
