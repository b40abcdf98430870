/// The chat room's queries, one method per question, over one connection. Only the configured
/// rooms (ids 1...roomCount) exist for the chat: rows of rooms dropped from the configuration stay
/// in the table but are never served or written. Extensions: users and tokens, messages, rooms.
final class ChatStore {
    let db: PostgresConnection
    let roomCount: Int

    init(db: PostgresConnection, roomCount: Int) {
        self.db = db
        self.roomCount = roomCount
    }

    func isRoom(_ id: Int) -> Bool { id >= 1 && id <= roomCount }

    /// A `timestamptz` column as epoch milliseconds (what the JSON answers format), floored like
    /// JavaScript's Date.
    static func epochMilliseconds(_ column: String) -> String {
        "floor(extract(epoch FROM \(column)) * 1000)::bigint"
    }
}

/// A row of `users` as answers show it (never the password hash).
struct StoredUser: Equatable {
    var id: Int64
    var name: String
    var email: String
    var avatar: String
    var createdAt: Int64
    var updatedAt: Int64

    /// The select list that `init(_:row:)` reads, for a query where `users` is aliased `u`.
    static let columns = "u.id, u.name, u.email, u.avatar, \(ChatStore.epochMilliseconds("u.created_at")) AS created_ms, "
        + "\(ChatStore.epochMilliseconds("u.updated_at")) AS updated_ms"

    init(_ result: QueryResult, row: Int) {
        id = result.int64(row: row, column: "id") ?? 0
        name = result.string(row: row, column: "name") ?? ""
        email = result.string(row: row, column: "email") ?? ""
        avatar = result.string(row: row, column: "avatar") ?? ""
        createdAt = result.int64(row: row, column: "created_ms") ?? 0
        updatedAt = result.int64(row: row, column: "updated_ms") ?? 0
    }
}
