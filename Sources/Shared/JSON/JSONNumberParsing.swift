extension JSONParserState {
    /// Powers of ten that are exact in a Double; with a mantissa below 2^53 one multiplication or
    /// division by them rounds once, so the result is correctly rounded (Clinger's fast path).
    static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    func digit(at k: Int) -> UInt8? {
        guard k < end else { return nil }
        let d = p[k] &- UInt8(ascii: "0")
        return d < 10 ? d : nil
    }

    mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = i
        let negative = p[i] == UInt8(ascii: "-")
        if negative { i += 1 }

        // Up to 19 significant digits fit in a UInt64; more send the number to the slow path.
        var significand: UInt64 = 0
        var significantDigits = 0
        var truncated = false
        var exponent10 = 0

        guard let first = digit(at: i) else { throw unexpectedOrInvalid() }
        if first == 0 {
            i += 1
            if digit(at: i) != nil { throw fail(.invalidNumber) }  // leading zero
        } else {
            while let d = digit(at: i) {
                if significantDigits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    significantDigits += 1
                } else {
                    truncated = true
                }
                i += 1
            }
        }

        var isIntegral = true
        if i < end && p[i] == UInt8(ascii: ".") {
            isIntegral = false
            i += 1
            guard digit(at: i) != nil else { throw unexpectedOrInvalid() }
            while let d = digit(at: i) {
                if significand == 0 && d == 0 {
                    exponent10 -= 1
                } else if significantDigits < 19 {
                    significand = significand &* 10 &+ UInt64(d)
                    significantDigits += 1
                    exponent10 -= 1
                } else {
                    truncated = true
                }
                i += 1
            }
        }

        if i < end && (p[i] | 0x20) == UInt8(ascii: "e") {
            isIntegral = false
            i += 1
            var exponentNegative = false
            if i < end && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) {
                exponentNegative = p[i] == UInt8(ascii: "-")
                i += 1
            }
            guard digit(at: i) != nil else { throw unexpectedOrInvalid() }
            var e = 0
            while let d = digit(at: i) {
                if e < 100_000 { e = e * 10 + Int(d) }  // clamped: beyond this the value is 0 or infinite anyway
                i += 1
            }
            exponent10 += exponentNegative ? -e : e
        }

        if isIntegral && !truncated {
            if negative {
                if significand <= UInt64(Int64.max) { return .int(-Int64(significand)) }
                if significand == UInt64(Int64.max) + 1 { return .int(Int64.min) }
            } else if significand <= UInt64(Int64.max) {
                return .int(Int64(significand))
            }
        }

        if !truncated && significand < (1 << 53) && exponent10 >= -22 && exponent10 <= 22 {
            var d = Double(significand)
            if exponent10 < 0 {
                d /= Self.exactPowersOfTen[-exponent10]
            } else {
                d *= Self.exactPowersOfTen[exponent10]
            }
            return .double(negative ? -d : d)
        }

        let text = String(decoding: UnsafeBufferPointer(start: p + start, count: i - start), as: UTF8.self)
        guard let d = Double(text) else { throw JSONError(offset: start, reason: .invalidNumber) }
        guard d.isFinite else { throw JSONError(offset: start, reason: .numberOutOfRange) }
        return .double(d)
    }

    func unexpectedOrInvalid() -> JSONError {
        i < end ? fail(.invalidNumber) : fail(.unexpectedEnd)
    }
}
