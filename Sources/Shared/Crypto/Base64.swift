/// Base64 with the standard alphabet and `=` padding (RFC 4648 section 4).
///
/// Decoding is strict because its inputs come from clients (Sec-WebSocket-Key): no whitespace, no
/// missing padding, no characters outside the alphabet, and the unused bits before the padding
/// must be zero, so every byte string has exactly one accepted encoding.
public enum Base64 {
    private static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    public static func encodedLength(_ byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        let length = encodedLength(bytes.count)
        guard length > 0 else { return "" }
        return String(unsafeUninitializedCapacity: length) { out in
            let table = alphabet.utf8Start
            var i = 0, o = 0
            while i + 3 <= bytes.count {
                let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out[o] = table[Int(n >> 18)]
                out[o + 1] = table[Int(n >> 12 & 63)]
                out[o + 2] = table[Int(n >> 6 & 63)]
                out[o + 3] = table[Int(n & 63)]
                i += 3
                o += 4
            }
            let rest = bytes.count - i
            if rest > 0 {
                let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                out[o] = table[Int(n >> 18)]
                out[o + 1] = table[Int(n >> 12 & 63)]
                out[o + 2] = rest == 2 ? table[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                out[o + 3] = UInt8(ascii: "=")
            }
            return length
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { encode($0) } }

    /// The decoded bytes, or nil when `text` is not canonical padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    public static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        let count = text.count
        guard count % 4 == 0 else { return nil }
        guard count > 0 else { return [] }
        let padding = text[count - 1] == UInt8(ascii: "=") ? (text[count - 2] == UInt8(ascii: "=") ? 2 : 1) : 0
        var result = [UInt8]()
        result.reserveCapacity(count / 4 * 3 - padding)
        var i = 0
        while i < count {
            let isLast = i + 4 == count
            let significant = isLast ? 4 - padding : 4
            var n: UInt32 = 0
            for j in 0..<4 {
                n <<= 6
                guard j < significant else { continue }
                guard let value = sextet(text[i + j]) else { return nil }
                n |= value
            }
            result.append(UInt8(truncatingIfNeeded: n >> 16))
            if significant > 2 { result.append(UInt8(truncatingIfNeeded: n >> 8)) }
            if significant > 3 { result.append(UInt8(truncatingIfNeeded: n)) }
            // Bits that no output byte carries must be zero (canonical encoding only).
            if significant == 2 && n & 0xFFFF != 0 { return nil }
            if significant == 3 && n & 0xFF != 0 { return nil }
            i += 4
        }
        return result
    }

    private static func sextet(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(c - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil   // includes "=" anywhere but the final padding
        }
    }
}
