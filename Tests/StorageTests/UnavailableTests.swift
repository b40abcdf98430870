import Shared
import Testing
@testable import TaskWorker

/// No PostgreSQL needed: the URL points at a socket directory where nothing listens.
@Suite struct UnavailableTests {
    static let closedURL = "postgresql:///chatroom?host=/nonexistent/chatroom-test-socket"

    func executor() -> StorageExecutor {
        var configuration = Configuration()
        configuration.databaseURL = UnavailableTests.closedURL
        configuration.bcryptCost = 4
        return StorageExecutor(configuration: configuration)
    }

    @Test func messagesAreUnavailableSoTheyAreRetried() {
        let message: JSONValue = ["room": 1, "seq": 1, "user": 1, "msg": "hi", "img": "", "at": 1_763_900_000_123]
        let jobs = (0..<3).map { ReceivedJob(worker: 0, id: UInt64($0), kind: .messageReceived, payload: JSONWriter.encode(message)) }
        #expect(executor().execute(jobs).map(\.status) == [.unavailable, .unavailable, .unavailable])
    }

    @Test func apiJobsAnswerUnavailable() {
        let executor = executor()
        for request: JSONValue in [["op": "login", "email": "a@b.c", "password": "x"], ["op": "rooms"],
                                   ["op": "register", "email": "a@b.c", "password": "secret1", "avatar": ""]] {
            let outcome = executor.execute([ReceivedJob(worker: 0, id: 1, kind: .api, payload: JSONWriter.encode(request))])[0]
            #expect(outcome.status == .done)
            #expect(outcome.json == ["ok": false, "error": "unavailable"])
        }
    }

    @Test func bootstrapThrowsUnavailable() {
        #expect { try StorageBootstrap.migrate(databaseURL: UnavailableTests.closedURL) } throws: { error in
            (error as? DatabaseError)?.isUnavailable == true
        }
    }

    @Test func badMessagesAreRejectedEvenWithoutADatabase() {
        let bad = ReceivedJob(worker: 0, id: 1, kind: .messageReceived, payload: Array("{\"room\": \"x\"}".utf8))
        let good = ReceivedJob(worker: 0, id: 2, kind: .messageReceived,
                               payload: JSONWriter.encode(["room": 1, "seq": 1, "user": 1, "msg": "hi"]))
        #expect(executor().execute([bad, good]).map(\.status) == [.rejected, .unavailable])
    }
}
