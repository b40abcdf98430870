/// Parses `.env`-style text: `KEY=value` lines, `#` comments, optional `export `, values in single
/// quotes (literal) or double quotes (with \n, \t, \", \\ escapes), unquoted values trimmed and cut
/// at ` #`.
public enum EnvFile {
    public static func parse(_ text: String, source: String) throws(ConfigError) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = String(rawLine).trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingSpaces }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError("\(source):\(lineNumber): expected KEY=value")
            }
            let key = String(line[..<equals]).trimmingSpaces
            guard !key.isEmpty, key.utf8.allSatisfy({ isKeyByte($0) }) else {
                throw ConfigError("\(source):\(lineNumber): invalid key '\(key)'")
            }
            let rest = String(line[line.index(after: equals)...]).trimmingSpaces
            result.append((key, try value(rest, "\(source):\(lineNumber)")))
        }
        return result
    }

    private static func isKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2E
    }

    private static func value(_ text: String, _ location: String) throws(ConfigError) -> String {
        guard let first = text.first, first == "\"" || first == "'" else {
            if let comment = text.firstRange(of: " #") { return String(text[..<comment.lowerBound]).trimmingSpaces }
            return text
        }
        var result = ""
        var escaped = false
        var closed = false
        for ch in text.dropFirst() {
            if closed {
                if ch == "#" { break }
                if ch != " " && ch != "\t" { throw ConfigError("\(location): unexpected text after the closing quote") }
                continue
            }
            if first == "\"" && escaped {
                switch ch {
                case "n": result.append("\n")
                case "t": result.append("\t")
                default: result.append(ch)
                }
                escaped = false
            } else if first == "\"" && ch == "\\" {
                escaped = true
            } else if ch == first {
                closed = true
            } else {
                result.append(ch)
            }
        }
        guard closed else { throw ConfigError("\(location): unterminated quoted value") }
        return result
    }
}
