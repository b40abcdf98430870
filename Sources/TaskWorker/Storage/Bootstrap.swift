import Shared

/// A room as stored: its id, configured name and highest stored message seq (0 when empty).
public struct RoomSeq: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var seq: Int64

    public init(id: Int, name: String, seq: Int64) {
        self.id = id
        self.name = name
        self.seq = seq
    }
}

/// What runs before any task worker: the master calls `prepare` in a short-lived child (the master
/// itself must not hold libpq state it would fork), `chatroom migrate` calls `migrate`. Each opens
/// its own connection and closes it before returning.
public enum StorageBootstrap {
    /// Applies the missing migrations; returns their names (empty when the schema is current).
    public static func migrate(databaseURL: String) throws -> [String] {
        let db = PostgresConnection(conninfo: databaseURL)
        defer { db.close() }
        return try Migrations.run(on: db)
    }

    /// Migrates, then makes the rooms table match the configuration: `rooms[0]` is id 1, `rooms[1]`
    /// id 2, and so on. An existing id keeps its row (and its messages) and takes the configured
    /// name; ids beyond the list are left alone. Returns the configured rooms with their highest
    /// stored seq, which seeds the room counters in shared memory.
    public static func prepare(databaseURL: String, rooms: [String]) throws -> [RoomSeq] {
        let db = PostgresConnection(conninfo: databaseURL)
        defer { db.close() }
        _ = try Migrations.run(on: db)
        try db.transaction { () throws(DatabaseError) in
            // Two masters preparing the same database at once take turns.
            try db.execute("SELECT pg_advisory_xact_lock($1::bigint)", [Migrations.lockKey])
            // Names are unique: clear the configured names from rows that will not carry them,
            // so that swapping two names (or moving one) does not trip the constraint midway.
            for (index, name) in rooms.enumerated() {
                try db.execute("UPDATE rooms SET name = '#' || id::text || ':' || name WHERE name = $1 AND id <> $2::integer",
                               [name, String(index + 1)])
            }
            for (index, name) in rooms.enumerated() {
                try db.execute("""
                    INSERT INTO rooms (id, name) VALUES ($1::integer, $2)
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name
                    """, [String(index + 1), name])
            }
        }
        let result = try db.execute("""
            SELECT r.id, r.name, COALESCE((SELECT max(m.seq) FROM messages m WHERE m.room_id = r.id), 0) AS seq
            FROM rooms r WHERE r.id <= $1::integer ORDER BY r.id
            """, [String(rooms.count)])
        return (0..<result.rowCount).map { row in
            RoomSeq(id: Int(result.int64(row: row, column: "id")!), name: result.string(row: row, column: "name")!,
                    seq: result.int64(row: row, column: "seq")!)
        }
    }
}
