/// A chat message to store, as a `messageReceived` job carries it.
struct NewMessage: Equatable {
    var room: Int
    var seq: Int64
    var user: Int64
    var msg: String
    var img: String
    /// Server time of the message, epoch milliseconds.
    var at: Int64

    var key: MessageKey { MessageKey(room: room, seq: seq) }
}

/// A message's identity: its room and its seq in that room.
struct MessageKey: Hashable {
    var room: Int
    var seq: Int64
}

/// A history item, as `history` answers show it.
struct HistoryItem: Equatable {
    var id: Int64
    var seq: Int64
    var email: String
    var name: String
    var avatar: String
    var msg: String
    var img: String
    var room: Int
    var at: Int64
}

extension ChatStore {
    static let pageSize = 20

    /// Stores messages with one INSERT, whatever their number: one statement is one transaction
    /// and one round trip. A (room, seq) already stored is left as it is (jobs may run twice).
    /// Returns the row id of every key that is stored now, inserted or not; a key missing from the
    /// answer names an unknown user or room.
    func insert(_ messages: [NewMessage]) throws(DatabaseError) -> [MessageKey: Int64] {
        guard !messages.isEmpty else { return [:] }
        var ids: [MessageKey: Int64] = [:]
        // Each column travels as one array parameter, so the SQL text is the same for any batch
        // size (no 65,535-parameter limit, and PostgreSQL plans it in ~0.1 ms where a 500-row
        // VALUES list with 3,000 parameters took ~4 ms). Joining users and rooms drops rows with an
        // unknown user or room instead of failing the batch on a foreign key; sorting gives ids
        // in seq order.
        let result = try db.execute("""
            INSERT INTO messages (room_id, seq, user_id, type, msg, img, created_at)
            SELECT v.room_id, v.seq, v.user_id, CASE WHEN v.img <> '' THEN 'image' ELSE 'text' END, v.msg, v.img,
                   timestamptz 'epoch' + v.at * interval '1 millisecond'
            FROM unnest($1::integer[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::bigint[])
                 AS v (room_id, seq, user_id, msg, img, at)
            JOIN users u ON u.id = v.user_id
            JOIN rooms r ON r.id = v.room_id
            ORDER BY v.room_id, v.seq
            ON CONFLICT (room_id, seq) DO NOTHING
            RETURNING room_id, seq, id
            """, [ArrayParameter.integers(messages.map { Int64($0.room) }), ArrayParameter.integers(messages.map(\.seq)),
                  ArrayParameter.integers(messages.map(\.user)), ArrayParameter.texts(messages.map(\.msg)),
                  ArrayParameter.texts(messages.map(\.img)), ArrayParameter.integers(messages.map(\.at))])
        collect(result, into: &ids)
        // Keys that conflicted with stored rows: their existing ids, in one more round trip.
        let missing = messages.lazy.map(\.key).filter { ids[$0] == nil }
        if !missing.isEmpty { try lookUp(Array(Set(missing)), into: &ids) }
        return ids
    }

    private func lookUp(_ keys: [MessageKey], into ids: inout [MessageKey: Int64]) throws(DatabaseError) {
        let result = try db.execute("""
            SELECT m.room_id, m.seq, m.id FROM messages m
            JOIN unnest($1::integer[], $2::bigint[]) AS k (room_id, seq) ON m.room_id = k.room_id AND m.seq = k.seq
            """, [ArrayParameter.integers(keys.map { Int64($0.room) }), ArrayParameter.integers(keys.map(\.seq))])
        collect(result, into: &ids)
    }

    private func collect(_ result: QueryResult, into ids: inout [MessageKey: Int64]) {
        for row in 0..<result.rowCount {
            guard let room = result.int64(row: row, column: 0), let seq = result.int64(row: row, column: 1),
                  let id = result.int64(row: row, column: 2) else { continue }
            ids[MessageKey(room: Int(room), seq: seq)] = id
        }
    }

    /// A page of a room's history, newest-first paging (PROTOCOL.md §3.5): skip `skip` plus, when
    /// the client has a `total` from its first page, the messages that arrived since, counted from
    /// the newest; take 20; ascending. Also the room's message count now. Count and page come from
    /// one statement, so one snapshot. Nil for a room that does not exist.
    func history(room: Int, skip: Int64, total: Int64) throws(DatabaseError) -> (count: Int64, items: [HistoryItem])? {
        guard isRoom(room) else { return nil }
        let result = try db.execute("""
            WITH room AS (
                SELECT id FROM rooms WHERE id = $1::integer
            ), counted AS (
                SELECT count(*) AS n FROM messages WHERE room_id = $1::integer
            ), page AS (
                SELECT m.id, m.seq, u.email, u.name, u.avatar, m.msg, m.img, m.room_id,
                       \(ChatStore.epochMilliseconds("m.created_at")) AS at
                FROM messages m JOIN users u ON u.id = m.user_id
                WHERE m.room_id = $1::integer
                ORDER BY m.seq DESC
                OFFSET (SELECT $2::bigint + CASE WHEN $3::bigint > 0 THEN GREATEST(0, n - $3::bigint) ELSE 0 END FROM counted)
                LIMIT \(ChatStore.pageSize)
            )
            SELECT counted.n, page.* FROM room CROSS JOIN counted LEFT JOIN page ON true
            ORDER BY page.seq
            """, [String(room), String(skip), String(total)])
        guard !result.isEmpty, let count = result.int64(row: 0, column: "n") else { return nil }
        return (count, ChatStore.historyItems(result))
    }

    /// Messages of `room` after `seq`, ascending, at most `limit`: what a client missed while it
    /// was disconnected.
    func messages(room: Int, after seq: Int64, limit: Int) throws(DatabaseError) -> [HistoryItem]? {
        guard isRoom(room) else { return nil }
        let result = try db.execute("""
            SELECT m.id, m.seq, u.email, u.name, u.avatar, m.msg, m.img, m.room_id,
                   \(ChatStore.epochMilliseconds("m.created_at")) AS at
            FROM messages m JOIN users u ON u.id = m.user_id
            WHERE m.room_id = $1::integer AND m.seq > $2::bigint
            ORDER BY m.seq
            LIMIT $3::integer
            """, [String(room), String(seq), String(limit)])
        return ChatStore.historyItems(result)
    }

    /// The rows of a history query; a row without an id (the empty page's) is skipped.
    private static func historyItems(_ result: QueryResult) -> [HistoryItem] {
        var items: [HistoryItem] = []
        for row in 0..<result.rowCount {
            guard let id = result.int64(row: row, column: "id") else { continue }
            items.append(HistoryItem(
                id: id, seq: result.int64(row: row, column: "seq") ?? 0,
                email: result.string(row: row, column: "email") ?? "", name: result.string(row: row, column: "name") ?? "",
                avatar: result.string(row: row, column: "avatar") ?? "", msg: result.string(row: row, column: "msg") ?? "",
                img: result.string(row: row, column: "img") ?? "", room: Int(result.int64(row: row, column: "room_id") ?? 0),
                at: result.int64(row: row, column: "at") ?? 0))
        }
        return items
    }
}
