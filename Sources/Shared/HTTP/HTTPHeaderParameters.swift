/// The `; name=value` lists that follow a media type or a disposition (RFC 9110 §5.6.6):
/// names lowercased, values unquoted with `\` escapes resolved.
enum HTTPHeaderParameters {
    /// Parses from `start` (just after the type) to the end. Lenient about unquoted values,
    /// which may hold any byte but `;` (clients leave boundaries with `/` or `=` unquoted);
    /// stray words without `=` are skipped; nil only for an unterminated quoted string.
    static func parse(_ bytes: UnsafeRawBufferPointer, from start: Int) -> [(name: String, value: String)]? {
        var result: [(name: String, value: String)] = []
        var i = start
        let count = bytes.count
        while i < count {
            while i < count, HTTPGrammar.isWhitespace(bytes[i]) || bytes[i] == HTTPGrammar.semicolon { i += 1 }
            guard i < count else { break }
            let nameStart = i
            while i < count, HTTPGrammar.isTchar(bytes[i]) { i += 1 }
            let nameEnd = i
            while i < count, HTTPGrammar.isWhitespace(bytes[i]) { i += 1 }
            guard nameEnd > nameStart, i < count, bytes[i] == HTTPGrammar.equals else {
                // A bare word or stray text (`form-data; foo;`) carries nothing: skip it.
                while i < count, bytes[i] != HTTPGrammar.semicolon { i += 1 }
                continue
            }
            i += 1
            while i < count, HTTPGrammar.isWhitespace(bytes[i]) { i += 1 }
            let name = HTTPGrammar.lowercased(HTTPGrammar.string(bytes, nameStart..<nameEnd))
            if i < count, bytes[i] == HTTPGrammar.quote {
                i += 1
                var value: [UInt8] = []
                var closed = false
                while i < count {
                    let byte = bytes[i]
                    if byte == HTTPGrammar.quote { closed = true; i += 1; break }
                    if byte == HTTPGrammar.backslash, i + 1 < count { i += 1 }
                    value.append(bytes[i])
                    i += 1
                }
                guard closed else { return nil }
                result.append((name: name, value: String(decoding: value, as: UTF8.self)))
                while i < count, bytes[i] != HTTPGrammar.semicolon { i += 1 }
            } else {
                let valueStart = i
                while i < count, bytes[i] != HTTPGrammar.semicolon { i += 1 }
                let value = HTTPGrammar.trimmingWhitespace(bytes, valueStart..<i)
                result.append((name: name, value: HTTPGrammar.string(bytes, value)))
            }
        }
        return result
    }
}
