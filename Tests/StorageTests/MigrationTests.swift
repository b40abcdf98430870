import Shared
import Testing
@testable import TaskWorker

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipped))
struct MigrationTests {
    @Test func migrationsApplyOnceAndAreIdempotent() throws {
        let (url, schema) = try TestDatabase.freshSchema("migrate")
        defer { TestDatabase.drop(schema) }
        #expect(try StorageBootstrap.migrate(databaseURL: url) == ["0001_create_chat_schema"])
        #expect(try StorageBootstrap.migrate(databaseURL: url) == [])
        let db = PostgresConnection(conninfo: url)
        defer { db.close() }
        let applied = try db.execute("SELECT version, name FROM schema_migrations ORDER BY version")
        #expect(applied.rowCount == Migrations.all.count)
        #expect(applied.string(row: 0, column: "name") == "0001_create_chat_schema")
    }

    @Test func concurrentMigratorsTakeTurns() async throws {
        let (url, schema) = try TestDatabase.freshSchema("migrate_race")
        defer { TestDatabase.drop(schema) }
        async let first = Task.detached { try StorageBootstrap.migrate(databaseURL: url) }.value
        async let second = Task.detached { try StorageBootstrap.migrate(databaseURL: url) }.value
        let results = try await [first, second]
        // Exactly one of them applied the schema; the other found it done.
        #expect(results.flatMap { $0 } == ["0001_create_chat_schema"])
    }

    @Test func prepareSeedsRoomsInOrderAndRenamesKeepingIds() throws {
        let (url, schema) = try TestDatabase.freshSchema("prepare")
        defer { TestDatabase.drop(schema) }
        #expect(try StorageBootstrap.prepare(databaseURL: url, rooms: ["room1", "room2"])
                == [RoomSeq(id: 1, name: "room1", seq: 0), RoomSeq(id: 2, name: "room2", seq: 0)])
        // Swapping names and adding a room: ids stay, names follow the configuration.
        let rooms = try StorageBootstrap.prepare(databaseURL: url, rooms: ["room2", "room1", "lobby"])
        #expect(rooms == [RoomSeq(id: 1, name: "room2", seq: 0), RoomSeq(id: 2, name: "room1", seq: 0),
                          RoomSeq(id: 3, name: "lobby", seq: 0)])
    }

    @Test func prepareReportsTheHighestStoredSeq() throws {
        let h = try StorageHarness("prepare_seq")
        let alice = h.register("alice@example.com")
        _ = h.store([StorageHarness.message(room: 2, seq: 1, user: alice.id, msg: "a"),
                     StorageHarness.message(room: 2, seq: 7, user: alice.id, msg: "b")])
        let rooms = try StorageBootstrap.prepare(databaseURL: h.url, rooms: ["room1", "room2"])
        #expect(rooms.map(\.seq) == [0, 7])
    }
}
