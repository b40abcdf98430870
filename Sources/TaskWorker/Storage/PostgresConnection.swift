import CPostgres
import Glibc
import Shared

/// One blocking libpq connection (task workers may block; reactors never hold one). Every statement
/// goes through `PQexecParams` with text parameters, so user data never becomes SQL text. A broken
/// connection is dropped and opened again by the next call, except inside a transaction, whose
/// statements must all run on the same session. The only file with unsafe pointer code for libpq.
public final class PostgresConnection {
    public let conninfo: String
    private var connection: OpaquePointer?
    private var inTransaction = false
    /// After a failed connection attempt, further attempts fail at once until this monotonic time:
    /// a batch of jobs against a down server costs one connect timeout, not one per job.
    private var retryNotBefore: Int64 = 0
    private var lastConnectError = ""

    /// Seconds a connection attempt may take unless the conninfo says otherwise: a task worker
    /// blocked on an unreachable host blocks every job behind it.
    public static let defaultConnectTimeout = 5
    /// Shorter than the task worker's first retry delay (500 ms), so a retry always really tries.
    public static let reconnectCooldownMilliseconds: Int64 = 250

    /// Nothing is opened yet: the first statement (or `connect()`) does it, so a database that is
    /// down at start costs no failure here.
    public init(conninfo: String) {
        self.conninfo = conninfo
    }

    deinit { close() }

    public var isConnected: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// Opens the connection if there is none or the old one broke.
    public func connect() throws(DatabaseError) {
        if isConnected && (inTransaction || PostgresConnection.stillOpen(connection!)) { return }
        if inTransaction { throw .unavailable(message: "connection lost inside a transaction") }
        close()
        if Clock.monotonicMilliseconds() < retryNotBefore { throw .unavailable(message: lastConnectError) }
        // Keywords are applied in order and the expanded dbname (the URL) comes last, so the
        // URL's own connect_timeout or application_name win over these defaults.
        let keywords = ["connect_timeout", "fallback_application_name", "dbname"]
        let values = [String(PostgresConnection.defaultConnectTimeout), "chatroom", conninfo]
        let conn = withCStringArray(keywords) { k in
            withCStringArray(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard let conn else { throw .unavailable(message: "libpq could not allocate a connection") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = PostgresConnection.errorText(PQerrorMessage(conn))
            PQfinish(conn)
            lastConnectError = message
            retryNotBefore = Clock.monotonicMilliseconds() + PostgresConnection.reconnectCooldownMilliseconds
            throw .unavailable(message: message)
        }
        // NOTICEs ("relation already exists, skipping") would otherwise go straight to stderr.
        _ = PQsetNoticeProcessor(conn, { _, message in
            if let message { Log.debug("postgres notice", ["message": PostgresConnection.errorText(message)]) }
        }, nil)
        connection = conn
    }

    /// Reads whatever the server sent while the connection was idle, without waiting. A server
    /// that restarted or ended the session (57P01) has closed the socket: libpq then reports the
    /// connection bad, and it is replaced before the statement is sent instead of failing it.
    private static func stillOpen(_ connection: OpaquePointer) -> Bool {
        // An idle session's socket is readable only for a notice or a goodbye (an error message,
        // then end of file): read until it is quiet or libpq has seen the end.
        for _ in 0..<4 {
            var pending = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            guard poll(&pending, 1, 0) > 0 else { return true }
            guard PQconsumeInput(connection) == 1, PQstatus(connection) == CONNECTION_OK else { return false }
        }
        return PQstatus(connection) == CONNECTION_OK
    }

    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    /// Runs one statement with `$1`, `$2`, ... bound to `params` (text format; nil is NULL).
    @discardableResult
    public func execute(_ sql: String, _ params: [String?] = []) throws(DatabaseError) -> QueryResult {
        for (index, param) in params.enumerated() where param?.utf8.contains(0) == true {
            throw .invalidParameter(index: index)
        }
        try connect()
        let conn = connection!
        var cParams: [UnsafePointer<CChar>?] = params.map { $0.map { UnsafePointer(strdup($0)!) } }
        defer { for p in cParams { free(UnsafeMutablePointer(mutating: p)) } }
        let result = cParams.withUnsafeMutableBufferPointer { buffer in
            PQexecParams(conn, sql, Int32(buffer.count), nil, buffer.baseAddress, nil, nil, 0)
        }
        return try take(result)
    }

    /// Runs constant SQL that may hold several statements (migrations). `StaticString` keeps any
    /// runtime value, let alone user data, out of it.
    public func executeScript(_ sql: StaticString) throws(DatabaseError) {
        try connect()
        let result = sql.withUTF8Buffer { utf8 in
            // StaticString is not NUL-terminated in general: copy into a C string.
            String(decoding: utf8, as: UTF8.self).withCString { PQexec(connection!, $0) }
        }
        _ = try take(result)
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK when `body` throws. The transaction is all on one session:
    /// if the connection breaks midway the whole body fails with `.unavailable`.
    @discardableResult
    public func transaction<T>(_ body: () throws(DatabaseError) -> T) throws(DatabaseError) -> T {
        precondition(!inTransaction, "transactions do not nest")
        try execute("BEGIN")
        inTransaction = true
        do {
            let value = try body()
            try execute("COMMIT")
            inTransaction = false
            return value
        } catch {
            if isConnected, let connection { PQclear(PQexec(connection, "ROLLBACK")) }
            inTransaction = false
            throw error
        }
    }

    // MARK: results

    /// Copies a result out of libpq and frees it, turning failures into `DatabaseError`.
    private func take(_ result: OpaquePointer?) throws(DatabaseError) -> QueryResult {
        guard let result else {
            let message = PostgresConnection.errorText(PQerrorMessage(connection))
            dropIfBroken()
            throw .unavailable(message: message)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresConnection.copy(result)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            // The primary message only: DETAIL may quote the row, i.e. a user's message or email,
            // and this text goes to the log.
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M")))
            let message = PostgresConnection.errorText(primary ?? PQresultErrorMessage(result))
            let broken = dropIfBroken()
            if broken || state.isEmpty || DatabaseError.isUnavailableState(state) {
                // A server shutting down answers 57P01 and closes: drop the session as well.
                close()
                throw .unavailable(message: message)
            }
            throw .query(sqlState: state, message: message)
        }
    }

    /// Closes a connection libpq reports as bad, so the next call opens a new one.
    @discardableResult
    private func dropIfBroken() -> Bool {
        if isConnected { return false }
        close()
        return true
    }

    private static func copy(_ result: OpaquePointer) -> QueryResult {
        let rows = Int(PQntuples(result))
        let fields = Int(PQnfields(result))
        let columns = (0..<fields).map { String(cString: PQfname(result, Int32($0))) }
        var values: [String?] = []
        values.reserveCapacity(rows * fields)
        for row in 0..<Int32(rows) {
            for field in 0..<Int32(fields) {
                if PQgetisnull(result, row, field) == 1 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawPointer(PQgetvalue(result, row, field)!)
                    let length = Int(PQgetlength(result, row, field))
                    values.append(String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self))
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, values: values, affectedRows: affected)
    }

    /// libpq's messages end with a newline and may span lines; one line for the log.
    static func errorText(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        var message = String(cString: text)
        while message.last?.isNewline == true { message.removeLast() }
        return message.split(whereSeparator: \.isNewline).joined(separator: " | ")
    }
}

/// Calls `body` with a NULL-terminated array of C strings (what PQconnectdbParams takes).
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafePointer<CChar>?] = strings.map { UnsafePointer(strdup($0)!) }
    pointers.append(nil)
    defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
