/// Rooms, their highest seq, and what each user has read.
extension ChatStore {
    func rooms() throws(DatabaseError) -> [RoomSeq] {
        let result = try db.execute("""
            SELECT r.id, r.name, COALESCE((SELECT max(m.seq) FROM messages m WHERE m.room_id = r.id), 0) AS seq
            FROM rooms r WHERE r.id BETWEEN 1 AND $1::integer ORDER BY r.id
            """, [String(roomCount)])
        return (0..<result.rowCount).map { row in
            RoomSeq(id: Int(result.int64(row: row, column: "id") ?? 0), name: result.string(row: row, column: "name") ?? "",
                    seq: result.int64(row: row, column: "seq") ?? 0)
        }
    }

    /// Per room: messages after the user's last read seq that others sent. A room without a
    /// room_reads row was created after the user registered, so all its messages count. Nil when
    /// there is no such user.
    func unread(userID: Int64) throws(DatabaseError) -> [(room: Int, count: Int64)]? {
        let result = try db.execute("""
            SELECT r.id, (SELECT count(*) FROM messages m
                          WHERE m.room_id = r.id AND m.seq > COALESCE(rr.last_read_seq, 0) AND m.user_id <> u.id) AS unread
            FROM users u
            CROSS JOIN rooms r
            LEFT JOIN room_reads rr ON rr.user_id = u.id AND rr.room_id = r.id
            WHERE u.id = $1::bigint AND r.id BETWEEN 1 AND $2::integer
            ORDER BY r.id
            """, [String(userID), String(roomCount)])
        guard !result.isEmpty else {
            let exists = try db.execute("SELECT 1 FROM users WHERE id = $1::bigint", [String(userID)])
            return exists.isEmpty ? nil : []
        }
        return (0..<result.rowCount).map { row in
            (Int(result.int64(row: row, column: "id") ?? 0), result.int64(row: row, column: "unread") ?? 0)
        }
    }

    /// The user's last read seq in the room becomes max(old, seq). False when the user does not
    /// exist (the room is checked by the caller).
    func markRead(userID: Int64, room: Int, seq: Int64) throws(DatabaseError) -> Bool {
        do {
            try db.execute("""
                INSERT INTO room_reads (user_id, room_id, last_read_seq) VALUES ($1::bigint, $2::integer, $3::bigint)
                ON CONFLICT (user_id, room_id) DO UPDATE SET last_read_seq = GREATEST(room_reads.last_read_seq, EXCLUDED.last_read_seq)
                """, [String(userID), String(room), String(seq)])
            return true
        } catch where error.sqlState == DatabaseError.foreignKeyViolation {
            return false
        }
    }
}
