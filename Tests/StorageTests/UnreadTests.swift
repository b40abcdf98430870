import Shared
import Testing
@testable import TaskWorker

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipped))
struct UnreadTests {
    typealias H = StorageHarness

    @Test func countsOthersMessagesSinceRegistrationAndMarkRead() throws {
        let h = try StorageHarness("unread")
        let jack = h.register("jack@example.com")
        _ = h.store((1...3).map { H.message(room: 1, seq: Int64($0), user: jack.id, msg: "before") })
        // Kate registers after 3 messages in room 1: she starts with nothing unread.
        let kate = h.register("kate@example.com")
        func unread(_ user: Int64) -> JSONValue? { h.api(["op": "unread", "user": .int(user)])["unread"] }
        #expect(unread(kate.id) == ["1": 0, "2": 0])
        _ = h.store([H.message(room: 1, seq: 4, user: jack.id, msg: "hi kate"),
                     H.message(room: 1, seq: 5, user: kate.id, msg: "hi jack"),   // her own: not unread for her
                     H.message(room: 1, seq: 6, user: jack.id, msg: "how are you"),
                     H.message(room: 2, seq: 1, user: jack.id, msg: "other room")])
        #expect(unread(kate.id) == ["1": 2, "2": 1])
        // Jack had read nothing since registering before any message: all of Kate's count.
        #expect(unread(jack.id) == ["1": 1, "2": 0])

        #expect(h.api(["op": "markRead", "user": .int(kate.id), "room": 1, "seq": 4])["ok"] == true)
        #expect(unread(kate.id) == ["1": 1, "2": 1])
        #expect(h.api(["op": "markRead", "user": .int(kate.id), "room": 1, "seq": 6])["ok"] == true)
        // An older seq never moves the mark back.
        #expect(h.api(["op": "markRead", "user": .int(kate.id), "room": 1, "seq": 2])["ok"] == true)
        #expect(unread(kate.id) == ["1": 0, "2": 1])

        #expect(h.api(["op": "unread", "user": 987_654]) == ["ok": false, "error": "not_found"])
        #expect(h.api(["op": "markRead", "user": 987_654, "room": 1, "seq": 1]) == ["ok": false, "error": "not_found"])
        #expect(h.api(["op": "markRead", "user": .int(kate.id), "room": 7, "seq": 1]) == ["ok": false, "error": "not_found"])
    }
}
