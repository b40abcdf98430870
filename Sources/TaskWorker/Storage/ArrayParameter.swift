/// PostgreSQL array values in text form, for passing a whole column as one query parameter
/// (`unnest($1::text[])`). This builds a parameter *value*, never SQL: the statement text stays
/// constant, and the server's array parser reads it as data.
enum ArrayParameter {
    /// `{1,-2,3}`: decimal digits need no quoting.
    static func integers(_ values: [Int64]) -> String {
        var out = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            out += String(value)
        }
        return out + "}"
    }

    /// `{"a","b \" c"}`: every element double-quoted, so commas, braces, spaces and the word NULL
    /// are plain text; inside quotes only `"` and `\` need a backslash before them.
    static func texts(_ values: [String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            for byte in value.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
