extension JSONParserState {
    /// True when any of the 8 bytes is `"`, `\`, below 0x20 or above 0x7F: the bytes that need a
    /// closer look. Plain ASCII text skips 8 bytes per step.
    @inline(__always)
    static func needsAttention(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (w &- ones &* 0x20) & ~w
        return (zeroQuote | zeroBackslash | control | w) & highs != 0
    }

    /// `i` is on the opening quote; leaves `i` after the closing one.
    mutating func parseString() throws(JSONError) -> String {
        i += 1
        let start = i
        while true {
            while i + 8 <= end, !Self.needsAttention(UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)) {
                i += 8
            }
            guard i < end else { throw fail(.unexpectedEnd) }
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
                i += 1
                return s
            }
            if b == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
            if b < 0x20 { throw fail(.controlCharacterInString) }
            if b < 0x80 {
                i += 1
            } else {
                let n = UTF8Validation.sequenceLength(p, at: i, end: end)
                if n == 0 { throw fail(.invalidUTF8) }
                i += n
            }
        }
    }

    /// Slow path once a backslash is seen: the text so far is copied to `scratch` and decoding goes on there.
    mutating func parseEscapedString(from start: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: p + start, count: i - start))
        while true {
            let runStart = i
            while i < end {
                let b = p[i]
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
                if b < 0x20 { throw fail(.controlCharacterInString) }
                if b < 0x80 {
                    i += 1
                } else {
                    let n = UTF8Validation.sequenceLength(p, at: i, end: end)
                    if n == 0 { throw fail(.invalidUTF8) }
                    i += n
                }
            }
            if i > runStart { scratch.append(contentsOf: UnsafeBufferPointer(start: p + runStart, count: i - runStart)) }
            guard i < end else { throw fail(.unexpectedEnd) }
            if p[i] == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            try parseEscape()
        }
    }

    /// `i` is on a backslash; appends the decoded character to `scratch`.
    mutating func parseEscape() throws(JSONError) {
        guard i + 1 < end else {
            i = end
            throw fail(.unexpectedEnd)
        }
        let c = p[i + 1]
        let decoded: UInt8
        switch c {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            try parseUnicodeEscape()
            return
        default:
            i += 1
            throw fail(.invalidEscape)
        }
        scratch.append(decoded)
        i += 2
    }

    /// `i` is on the backslash of `\uXXXX`. A surrogate pair becomes one scalar; a surrogate without its
    /// partner becomes U+FFFD, as JSON.parse then TextEncoder would produce, since a String cannot hold it.
    mutating func parseUnicodeEscape() throws(JSONError) {
        let unit = try hex4(at: i + 2)
        i += 6
        var scalar = UInt32(unit)
        if unit >= 0xD800 && unit <= 0xDBFF {
            if i + 1 < end && p[i] == UInt8(ascii: "\\") && p[i + 1] == UInt8(ascii: "u") {
                let low = try hex4(at: i + 2)
                if low >= 0xDC00 && low <= 0xDFFF {
                    scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    i += 6
                } else {
                    scalar = 0xFFFD  // the following escape is decoded on its own
                }
            } else {
                scalar = 0xFFFD
            }
        } else if unit >= 0xDC00 && unit <= 0xDFFF {
            scalar = 0xFFFD
        }
        appendUTF8(scalar)
    }

    func hex4(at offset: Int) throws(JSONError) -> UInt16 {
        var v: UInt16 = 0
        for k in offset..<offset + 4 {
            guard k < end else { throw JSONError(offset: end, reason: .unexpectedEnd) }
            let b = p[k]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw JSONError(offset: k, reason: .invalidUnicodeEscape)
            }
            v = v << 4 | UInt16(d)
        }
        return v
    }

    mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case 0..<0x80:
            scratch.append(UInt8(s))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | s >> 6))
            scratch.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | s >> 12))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | s >> 18))
            scratch.append(UInt8(0x80 | s >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | s >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }
}
