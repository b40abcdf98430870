/// Byte classes and case folding for the HTTP grammar (RFC 9110 §5.6). Tables rather than
/// comparisons chains because they sit in the per-byte loops of the parsers.
enum HTTPGrammar {
    static let cr: UInt8 = 13
    static let lf: UInt8 = 10
    static let space: UInt8 = 32
    static let tab: UInt8 = 9
    static let colon: UInt8 = 58
    static let slash: UInt8 = 47
    static let question: UInt8 = 63
    static let percent: UInt8 = 37
    static let plus: UInt8 = 43
    static let semicolon: UInt8 = 59
    static let comma: UInt8 = 44
    static let equals: UInt8 = 61
    static let quote: UInt8 = 34
    static let backslash: UInt8 = 92
    static let dot: UInt8 = 46
    static let hyphen: UInt8 = 45
    static let zero: UInt8 = 48

    /// `tchar` of RFC 9110 (the bytes of methods, header names and parameter names) as a
    /// 128-bit set, so the check is two shifts and no table load.
    private static let tcharLow: UInt64 = 0x03ff_6cfa_0000_0000
    private static let tcharHigh: UInt64 = 0x57ff_ffff_c7ff_fffe

    @inline(__always)
    static func isTchar(_ byte: UInt8) -> Bool {
        if byte < 64 { return tcharLow >> UInt64(byte) & 1 == 1 }
        if byte < 128 { return tcharHigh >> UInt64(byte - 64) & 1 == 1 }
        return false
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 48 < 10 }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    /// Value of a hex digit, or nil.
    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        if byte &- 48 < 10 { return byte &- 48 }
        let folded = byte | 0x20
        if folded &- 97 < 6 { return folded &- 87 }
        return nil
    }

    static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { ua in b.withUTF8 { ub in equalsIgnoringCase(UnsafeRawBufferPointer(ua), UnsafeRawBufferPointer(ub)) } }
    }

    static func equalsIgnoringCase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count where lowercased(a[i]) != lowercased(b[i]) { return false }
        return true
    }

    static func lowercased(_ string: String) -> String {
        var needsWork = false
        for byte in string.utf8 where byte &- 65 < 26 { needsWork = true; break }
        guard needsWork else { return string }
        return String(decoding: string.utf8.map(lowercased), as: UTF8.self)
    }

    /// Text from bytes already known to be ASCII or meant to be read as UTF-8 (invalid
    /// sequences become U+FFFD rather than failing a request over a header nobody reads).
    @inline(__always)
    static func string(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The range of `range` without leading and trailing spaces and tabs.
    @inline(__always)
    static func trimmingWhitespace(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        while start < end, isWhitespace(bytes[start]) { start += 1 }
        while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
        return start..<end
    }
}
