import Shared

/// A schema change, applied once and recorded in `schema_migrations`.
struct Migration {
    let version: Int
    let name: String
    let sql: StaticString
}

/// The schema, as numbered migrations embedded in the binary (so `chatroom migrate` needs no files
/// beside it). Never edit an applied migration: add the next number.
enum Migrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "0001_create_chat_schema", sql: schemaV1),
    ]

    /// Any constant: the key of the advisory lock that serializes migrators across processes.
    static let lockKey = "7140592736301"

    /// Applies what is missing, each migration in its own transaction; returns the names applied.
    /// Two processes migrating at once queue on the advisory lock, and the second finds nothing
    /// left to do.
    static func run(on db: PostgresConnection) throws(DatabaseError) -> [String] {
        try db.execute("SELECT pg_advisory_lock($1::bigint)", [lockKey])
        do {
            let applied = try migrate(db)
            try db.execute("SELECT pg_advisory_unlock($1::bigint)", [lockKey])
            return applied
        } catch {
            // The lock is per session: closing the connection releases it whatever the state.
            db.close()
            throw error
        }
    }

    private static func migrate(_ db: PostgresConnection) throws(DatabaseError) -> [String] {
        try db.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let rows = try db.execute("SELECT version FROM schema_migrations")
        let done = Set((0..<rows.rowCount).compactMap { rows.int64(row: $0, column: 0) })
        var applied: [String] = []
        for migration in all where !done.contains(Int64(migration.version)) {
            try db.transaction { () throws(DatabaseError) in
                try db.executeScript(migration.sql)
                try db.execute("INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)",
                               [String(migration.version), migration.name])
            }
            Log.info("migration applied", ["name": migration.name])
            applied.append(migration.name)
        }
        return applied
    }

    // MARK: the migrations

    private static let schemaV1: StaticString = """
        CREATE TABLE users (
            id            bigserial PRIMARY KEY,
            name          text NOT NULL,
            -- Stored lower-case: case-insensitive uniqueness as the tutorial's MySQL collation had.
            email         text NOT NULL CHECK (email = lower(email)),
            password_hash text NOT NULL,
            avatar        text NOT NULL DEFAULT '',
            created_at    timestamptz NOT NULL DEFAULT now(),
            updated_at    timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

        -- One row per login; only the SHA-256 of a token is kept, so a leaked table gives no tokens.
        CREATE TABLE api_tokens (
            id           bigserial PRIMARY KEY,
            user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            token_hash   text NOT NULL UNIQUE,
            created_at   timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz,
            revoked_at   timestamptz
        );
        CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

        CREATE TABLE rooms (
            id   integer PRIMARY KEY,
            name text NOT NULL UNIQUE
        );

        CREATE TABLE messages (
            id         bigserial PRIMARY KEY,
            room_id    integer NOT NULL REFERENCES rooms (id),
            seq        bigint NOT NULL,
            user_id    bigint NOT NULL REFERENCES users (id),
            type       text NOT NULL CHECK (type IN ('text', 'image')),
            msg        text NOT NULL DEFAULT '',
            img        text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now()
        );
        -- unique (room_id, seq), built descending so the same index serves newest-first paging
        -- (ON CONFLICT (room_id, seq) infers it: the sort order does not matter for inference).
        CREATE UNIQUE INDEX messages_room_seq_key ON messages (room_id, seq DESC);

        CREATE TABLE room_reads (
            user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            room_id       integer NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
            last_read_seq bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, room_id)
        );
        """
}
