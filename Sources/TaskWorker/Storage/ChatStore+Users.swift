import Shared

/// Accounts and API tokens. Tokens are stored as the hex SHA-256 of the token: the table alone
/// lets no one log in.
extension ChatStore {
    static func tokenHash(_ token: String) -> String {
        Hex.encode(SHA256.hash(token))
    }

    /// Creates the user with a first token, and marks every room read up to its current highest seq
    /// (unread counts start at 0), all in one statement. Nil when the email is taken in any case.
    func register(email: String, passwordHash: String, avatar: String, token: String,
                  seenSeqs: String = "{}") throws(DatabaseError) -> StoredUser? {
        let result = try db.execute("""
            WITH u AS (
                INSERT INTO users (name, email, password_hash, avatar)
                VALUES (split_part(lower($1), '@', 1), lower($1), $2, $3)
                ON CONFLICT ((lower(email))) DO NOTHING
                RETURNING *
            ), reads AS (
                INSERT INTO room_reads (user_id, room_id, last_read_seq)
                SELECT u.id, r.id, GREATEST(COALESCE((SELECT max(m.seq) FROM messages m WHERE m.room_id = r.id), 0),
                                            COALESCE(($5::jsonb ->> r.id::text)::bigint, 0))
                FROM u CROSS JOIN rooms r
            ), token AS (
                INSERT INTO api_tokens (user_id, token_hash) SELECT u.id, $4 FROM u
            )
            SELECT \(StoredUser.columns) FROM u
            """, [email, passwordHash, avatar, ChatStore.tokenHash(token), seenSeqs])
        return result.isEmpty ? nil : StoredUser(result, row: 0)
    }

    /// The user with this email (any case) and their password hash.
    func userForLogin(email: String) throws(DatabaseError) -> (user: StoredUser, passwordHash: String)? {
        let result = try db.execute("SELECT \(StoredUser.columns), u.password_hash FROM users u WHERE lower(u.email) = lower($1)",
                                    [email])
        guard !result.isEmpty else { return nil }
        return (StoredUser(result, row: 0), result.string(row: 0, column: "password_hash") ?? "")
    }

    /// A new token row; the user's other tokens stay valid (one row per login).
    func addToken(userID: Int64, token: String) throws(DatabaseError) {
        try db.execute("INSERT INTO api_tokens (user_id, token_hash) VALUES ($1::bigint, $2)",
                       [String(userID), ChatStore.tokenHash(token)])
    }

    /// The owner of a live token. `last_used_at` is refreshed at most once a minute, so checking a
    /// token on every event is not a write every time.
    func user(token: String) throws(DatabaseError) -> StoredUser? {
        let result = try db.execute("""
            WITH t AS (
                SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL
            ), touch AS (
                UPDATE api_tokens SET last_used_at = now() FROM t
                WHERE api_tokens.id = t.id AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
            )
            SELECT \(StoredUser.columns) FROM t JOIN users u ON u.id = t.user_id
            """, [ChatStore.tokenHash(token)])
        return result.isEmpty ? nil : StoredUser(result, row: 0)
    }

    /// False when the token was unknown or already revoked.
    func revoke(token: String) throws(DatabaseError) -> Bool {
        let result = try db.execute("UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
                                    [ChatStore.tokenHash(token)])
        return result.affectedRows > 0
    }

    /// False when there is no such user.
    func setAvatar(userID: Int64, url: String) throws(DatabaseError) -> Bool {
        let result = try db.execute("UPDATE users SET avatar = $2, updated_at = now() WHERE id = $1::bigint",
                                    [String(userID), url])
        return result.affectedRows > 0
    }
}
