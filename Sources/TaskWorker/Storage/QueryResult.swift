/// The rows of a statement, copied out of libpq's result so that no C memory outlives the call.
/// Values are PostgreSQL's text format; nil is SQL NULL.
public struct QueryResult: Sendable {
    public let columns: [String]
    /// Row-major: row r, column c is at `r * columns.count + c`.
    private let values: [String?]
    /// Rows inserted, updated or deleted (PQcmdTuples), 0 for other statements.
    public let affectedRows: Int

    init(columns: [String], values: [String?], affectedRows: Int) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
    }

    public var rowCount: Int { columns.isEmpty ? 0 : values.count / columns.count }
    public var isEmpty: Bool { rowCount == 0 }

    public func column(named name: String) -> Int? {
        columns.firstIndex(of: name)
    }

    public func string(row: Int, column: Int) -> String? {
        precondition(row >= 0 && row < rowCount && column >= 0 && column < columns.count, "no such cell")
        return values[row * columns.count + column]
    }

    public func string(row: Int, column name: String) -> String? {
        guard let column = column(named: name) else { preconditionFailure("no column \(name)") }
        return string(row: row, column: column)
    }

    /// Integer columns (int2/int4/int8, counts); nil for NULL or anything that is not an integer.
    public func int64(row: Int, column: Int) -> Int64? {
        string(row: row, column: column).flatMap { Int64($0) }
    }

    public func int64(row: Int, column name: String) -> Int64? {
        string(row: row, column: name).flatMap { Int64($0) }
    }

    /// boolean columns arrive as "t"/"f".
    public func bool(row: Int, column name: String) -> Bool? {
        switch string(row: row, column: name) {
        case "t": return true
        case "f": return false
        default: return nil
        }
    }
}
