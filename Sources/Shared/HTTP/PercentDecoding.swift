/// Percent-decoding (RFC 3986 §2.1) for paths and for form/query components.
public enum PercentDecoding {
    /// Bytes of a raw path with each `%XY` replaced; `+` is a literal plus in paths. Nil when a
    /// `%` is not followed by two hex digits. The result may hold any byte (NUL, `/`, invalid
    /// UTF-8): callers judge it (see `StaticPath`).
    public static func decodePath(_ raw: String) -> [UInt8]? {
        var raw = raw
        return raw.withUTF8 { decode(UnsafeRawBufferPointer($0), plusIsSpace: false) }
    }

    /// A component of `application/x-www-form-urlencoded` data (query strings, form bodies):
    /// `+` becomes a space, then `%XY` is decoded. Nil when an escape is malformed or the
    /// decoded bytes are not valid UTF-8: a value that cannot be what the client sent is
    /// refused rather than guessed at (so a mangled `api_token` is never half-matched).
    public static func decodeFormComponent(_ raw: String) -> String? {
        var raw = raw
        return raw.withUTF8 { decodeFormComponent(UnsafeRawBufferPointer($0)) }
    }

    public static func decodeFormComponent(_ raw: UnsafeRawBufferPointer) -> String? {
        // Most names and values need no decoding at all: skip the copy for them.
        var plain = true
        for byte in raw where byte == HTTPGrammar.percent || byte == HTTPGrammar.plus { plain = false; break }
        if plain { return String(validating: raw, as: UTF8.self) }
        guard let bytes = decode(raw, plusIsSpace: true) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    static func decode(_ raw: UnsafeRawBufferPointer, plusIsSpace: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        let count = raw.count
        while i < count {
            let byte = raw[i]
            if byte == HTTPGrammar.percent {
                guard i + 2 < count, let high = HTTPGrammar.hexValue(raw[i + 1]), let low = HTTPGrammar.hexValue(raw[i + 2]) else {
                    return nil
                }
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(plusIsSpace && byte == HTTPGrammar.plus ? HTTPGrammar.space : byte)
                i += 1
            }
        }
        return out
    }
}
