/// Why a database call failed, split the way callers must react: `unavailable` means "try again
/// later" (the server cannot be reached, the connection broke, the server is shutting down), `query`
/// means this statement was refused and running it again would fail the same way.
public enum DatabaseError: Error, CustomStringConvertible {
    /// No usable connection. `message` is libpq's text, for the log only.
    case unavailable(message: String)
    /// The server rejected the statement. `sqlState` is the five-character SQLSTATE code (e.g.
    /// "23505" unique_violation); `message` is for the log only, never for a client.
    case query(sqlState: String, message: String)
    /// A parameter that PostgreSQL text cannot hold (a NUL character); nothing was sent.
    case invalidParameter(index: Int)

    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }

    public var sqlState: String? {
        if case .query(let state, _) = self { return state }
        return nil
    }

    public var description: String {
        switch self {
        case .unavailable(let message): return "database unavailable: \(message)"
        case .query(let state, let message): return "query failed (\(state)): \(message)"
        case .invalidParameter(let index): return "parameter $\(index + 1) contains a NUL character"
        }
    }

    /// SQLSTATEs that say "the server, not the statement": class 08 (connection exception), 57P01–03
    /// (admin/crash shutdown, cannot connect now) and 53300 (too many connections).
    static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03" || state == "53300"
    }

    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
}
