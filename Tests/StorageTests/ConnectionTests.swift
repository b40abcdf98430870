import Testing
@testable import TaskWorker

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipped))
struct ConnectionTests {
    /// A session the server ended while it was idle (a restart, pg_terminate_backend) is replaced
    /// before the next statement, which then succeeds.
    @Test func reconnectsAfterTheServerEndedTheSession() throws {
        let db = PostgresConnection(conninfo: TestDatabase.url!)
        let admin = PostgresConnection(conninfo: TestDatabase.url!)
        defer { db.close(); admin.close() }
        let pid = try #require(try db.execute("SELECT pg_backend_pid()").string(row: 0, column: 0))
        try admin.execute("SELECT pg_terminate_backend($1::integer, 5000)", [pid])
        let newPid = try db.execute("SELECT pg_backend_pid()").string(row: 0, column: 0)
        #expect(newPid != nil && newPid != pid)
    }

    @Test func queryErrorsCarryTheirSQLState() throws {
        let db = PostgresConnection(conninfo: TestDatabase.url!)
        defer { db.close() }
        #expect { try db.execute("SELECT * FROM no_such_table_here") } throws: { error in
            (error as? DatabaseError)?.sqlState == "42P01"
        }
        // The session is still good afterwards.
        #expect(try db.execute("SELECT $1::integer + 1 AS n", ["41"]).int64(row: 0, column: "n") == 42)
        #expect(try db.execute("SELECT NULL::text AS t").string(row: 0, column: "t") == nil)
        #expect { try db.execute("SELECT $1", ["a\u{0}b"]) } throws: { error in
            if case .invalidParameter(0)? = error as? DatabaseError { return true }
            return false
        }
    }

    @Test func transactionsRollBackOnError() throws {
        let (url, schema) = try TestDatabase.freshSchema("tx")
        defer { TestDatabase.drop(schema) }
        let db = PostgresConnection(conninfo: url)
        defer { db.close() }
        try db.execute("CREATE TABLE t (n integer PRIMARY KEY)")
        #expect(throws: DatabaseError.self) {
            try db.transaction { () throws(DatabaseError) in
                try db.execute("INSERT INTO t VALUES (1)")
                try db.execute("INSERT INTO t VALUES (1)")
            }
        }
        #expect(try db.execute("SELECT count(*) FROM t").int64(row: 0, column: 0) == 0)
        try db.transaction { () throws(DatabaseError) in try db.execute("INSERT INTO t VALUES (2)") }
        #expect(try db.execute("SELECT count(*) FROM t").int64(row: 0, column: 0) == 1)
    }
}
