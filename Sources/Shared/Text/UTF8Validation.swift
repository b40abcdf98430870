/// Strict UTF-8 checking (Unicode table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF)
/// for whole buffers, with the per-sequence step the JSON and Engine.IO decoders inline into their
/// own loops. (`UTF8Validator` in Text/ is the streaming one for WebSocket fragments.)
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        return firstInvalidOffset(base.assumingMemoryBound(to: UInt8.self), count: bytes.count) == nil
    }

    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValid($0) }
    }

    /// Offset of the first byte that does not start a well-formed sequence, or nil when all is valid.
    static func firstInvalidOffset(_ p: UnsafePointer<UInt8>, count: Int) -> Int? {
        var i = 0
        while i < count {
            if i + 8 <= count {
                let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                if w & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                    continue
                }
            }
            if p[i] < 0x80 {
                i += 1
                continue
            }
            let n = sequenceLength(p, at: i, end: count)
            if n == 0 { return i }
            i += n
        }
        return nil
    }

    /// Length (2...4) of the well-formed multi-byte sequence starting at `i`, or 0.
    /// The caller has checked that `p[i] >= 0x80`.
    @inline(__always)
    static func sequenceLength(_ p: UnsafePointer<UInt8>, at i: Int, end: Int) -> Int {
        let lead = p[i]
        @inline(__always) func cont(_ k: Int) -> Bool { i + k < end && p[i + k] & 0xC0 == 0x80 }
        switch lead {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0:
            return i + 2 < end && (0xA0...0xBF).contains(p[i + 1]) && cont(2) ? 3 : 0
        case 0xED:
            return i + 2 < end && (0x80...0x9F).contains(p[i + 1]) && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return cont(1) && cont(2) ? 3 : 0
        case 0xF0:
            return i + 3 < end && (0x90...0xBF).contains(p[i + 1]) && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3:
            return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4:
            return i + 3 < end && (0x80...0x8F).contains(p[i + 1]) && cont(2) && cont(3) ? 4 : 0
        default:
            return 0
        }
    }
}
