/// JavaScript `String.length` of UTF-8 text: UTF-16 code units, 1 per scalar below U+10000 and
/// 2 above. EIO3 polling payloads measure packets in these units (PROTOCOL.md §0.4).
public enum UTF16Length {
    /// For valid UTF-8 (a String's bytes, a frame already validated). Counts 8 bytes per step:
    /// every byte that is not a continuation byte starts one unit, and a 4-byte lead adds a second.
    public static func count(_ utf8: UnsafeRawBufferPointer) -> Int {
        guard let base = utf8.baseAddress else { return 0 }
        let n = utf8.count
        var units = 0
        var i = 0
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if w & highs == 0 {
                units += 8
            } else {
                // Bit 7 of each byte, moved in from bits 6, 5, 4 by the shifts (no carry crosses bytes
                // because only the 0x80 bits are kept).
                let continuation = w & ~(w << 1) & highs  // 10xxxxxx
                let fourByteLead = w & (w << 1) & (w << 2) & (w << 3) & highs  // 1111xxxx
                units += 8 - continuation.nonzeroBitCount + fourByteLead.nonzeroBitCount
            }
            i += 8
        }
        while i < n {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b & 0xC0 != 0x80 { units += 1 }
            if b >= 0xF0 { units += 1 }
            i += 1
        }
        return units
    }

    public static func count(_ utf8: [UInt8]) -> Int {
        utf8.withUnsafeBytes { count($0) }
    }

    public static func count(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { count(UnsafeRawBufferPointer($0)) }
    }

    /// Like `count`, but nil when the bytes are not valid UTF-8.
    public static func validatedCount(_ utf8: UnsafeRawBufferPointer) -> Int? {
        guard let base = utf8.baseAddress else { return 0 }
        guard UTF8Validation.firstInvalidOffset(base.assumingMemoryBound(to: UInt8.self), count: utf8.count) == nil else {
            return nil
        }
        return count(utf8)
    }
}
