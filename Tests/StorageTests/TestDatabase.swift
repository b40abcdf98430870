import Glibc
import Shared
import Testing
@testable import TaskWorker

/// The PostgreSQL the storage tests run against: `CHATROOM_TEST_DATABASE_URL`. Without it, the
/// suites that need it are skipped (and say so), never passed silently.
enum TestDatabase {
    static let url: String? = {
        guard let value = getenv("CHATROOM_TEST_DATABASE_URL"), value.pointee != 0 else { return nil }
        return String(cString: value)
    }()

    static var isConfigured: Bool { url != nil }

    static let skipped: Comment = "CHATROOM_TEST_DATABASE_URL is not set: skipping the tests that need PostgreSQL"

    /// A URL whose sessions see only a new, empty schema: tests run in parallel and every one
    /// starts from nothing. The schema name is ours (label + random hex), never data.
    static func freshSchema(_ label: String) throws -> (url: String, schema: String) {
        let schema = "t_\(label)_\(RandomToken.generate(length: 10, alphabet: RandomToken.Alphabet("0123456789abcdef")))"
        let admin = PostgresConnection(conninfo: url!)
        defer { admin.close() }
        try admin.execute("CREATE SCHEMA \(schema)")
        return (withSearchPath(url!, schema), schema)
    }

    static func drop(_ schema: String) {
        let admin = PostgresConnection(conninfo: url!)
        defer { admin.close() }
        _ = try? admin.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
    }

    /// Adds `options=-csearch_path=schema` to a URI or a key=value conninfo.
    static func withSearchPath(_ url: String, _ schema: String) -> String {
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
        }
        return url + " options='-csearch_path=\(schema)'"
    }
}

/// A migrated schema with rooms, a `StorageExecutor` on it, and a connection for looking at rows.
final class StorageHarness {
    let url: String
    let schema: String
    let executor: StorageExecutor
    let db: PostgresConnection
    let rooms: [RoomSeq]

    init(_ label: String, rooms: [String] = ["room1", "room2"]) throws {
        (url, schema) = try TestDatabase.freshSchema(label)
        self.rooms = try StorageBootstrap.prepare(databaseURL: url, rooms: rooms)
        var configuration = Configuration()
        configuration.databaseURL = url
        configuration.rooms = rooms
        configuration.bcryptCost = 4  // the lowest: hashing speed is not under test
        executor = StorageExecutor(configuration: configuration)
        db = PostgresConnection(conninfo: url)
    }

    deinit {
        executor.close()
        db.close()
        TestDatabase.drop(schema)
    }

    func api(_ request: JSONObject) -> JSONObject {
        let job = ReceivedJob(worker: 0, id: 1, kind: .api, payload: JSONWriter.encode(.object(request)))
        let outcome = executor.execute([job])[0]
        #expect(outcome.status == .done)
        return (try? JSONParser.parse(outcome.payload))?.objectValue ?? [:]
    }

    /// `messageReceived` jobs, all in one batch.
    func store(_ messages: [JSONValue]) -> [JobOutcome] {
        let jobs = messages.enumerated().map { index, message in
            ReceivedJob(worker: 0, id: UInt64(index), kind: .messageReceived, payload: JSONWriter.encode(message))
        }
        return executor.execute(jobs)
    }

    static func message(room: Int, seq: Int64, user: Int64, msg: String = "", img: String = "", at: Int64 = 1_763_900_000_123) -> JSONValue {
        ["room": .int(Int64(room)), "seq": .int(seq), "user": .int(user), "msg": .string(msg), "img": .string(img), "at": .int(at)]
    }

    /// Registers `email` (password "secret1"); returns the user id and token.
    func register(_ email: String, avatar: String = "//s3.example.com/avatar/1.jpeg") -> (id: Int64, token: String) {
        let answer = api(["op": "register", "email": .string(email), "password": "secret1", "avatar": .string(avatar)])
        #expect(answer["ok"] == .bool(true), "register \(email): \(answer)")
        return (answer["user"]?["id"]?.int64Value ?? 0, answer["token"]?.stringValue ?? "")
    }

    func count(_ sql: String, _ params: [String?] = []) throws -> Int64 {
        try db.execute(sql, params).int64(row: 0, column: 0) ?? -1
    }
}

extension JobOutcome {
    var json: JSONObject { (try? JSONParser.parse(payload))?.objectValue ?? [:] }
}
