/// Appends JSON to a byte buffer.
///
/// The `append…` building blocks let hot paths write an object field by field without building a
/// `JSONValue` tree first. Everything written is valid JSON that JavaScript's JSON.parse accepts and
/// that is safe inside a `<script>` (U+2028/U+2029 escaped).
public enum JSONWriter {
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: appendNull(into: &out)
        case .bool(let b): appendBool(b, into: &out)
        case .int(let n): appendInt(n, into: &out)
        case .double(let d): appendDouble(d, into: &out)
        case .string(let s): appendString(s, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (k, element) in elements.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (k, member) in object.members.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                appendString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    public static func appendNull(into out: inout [UInt8]) {
        appendASCII("null", into: &out)
    }

    public static func appendBool(_ b: Bool, into out: inout [UInt8]) {
        appendASCII(b ? "true" : "false", into: &out)
    }

    public static func appendInt(_ n: Int, into out: inout [UInt8]) {
        appendInt(Int64(n), into: &out)
    }

    public static func appendInt(_ n: Int64, into out: inout [UInt8]) {
        // Digits are produced backwards into a stack tuple, so no String is allocated.
        var magnitude = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes; 20 digits at most
        let count = withUnsafeMutableBytes(of: &digits) { buf -> Int in
            var k = buf.count
            repeat {
                k -= 1
                buf[k] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            return buf.count - k
        }
        if n < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { buf in
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[(buf.count - count)...]))
        }
    }

    /// Shortest representation that reads back as the same Double (Swift's `description`, which
    /// always has a digit before and after a `.` and writes exponents as `e+16`/`e-05`, all valid JSON).
    /// NaN and infinities have no JSON form; they are written `null`, as JSON.stringify does.
    public static func appendDouble(_ d: Double, into out: inout [UInt8]) {
        guard d.isFinite else {
            appendNull(into: &out)
            return
        }
        out.append(contentsOf: d.description.utf8)
    }

    /// Writes `s` as a JSON string: `"` and `\` escaped, control characters as `\n`, `\t`, `\u001f`…,
    /// U+2028/U+2029 as `\u2028`/`\u2029`, every other character as raw UTF-8.
    public static func appendString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendStringUTF8($0, into: &out) }
    }

    /// `"key":`, for writing object members directly.
    public static func appendKey(_ key: String, into out: inout [UInt8]) {
        appendString(key, into: &out)
        out.append(UInt8(ascii: ":"))
    }

    /// `utf8` must be valid UTF-8 (a Swift String's bytes always are).
    static func appendStringUTF8(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + utf8.count + 2)
        out.append(UInt8(ascii: "\""))
        let n = utf8.count
        var runStart = 0
        var k = 0
        let base = UnsafeRawPointer(utf8.baseAddress)
        while k < n {
            if let base, k + 8 <= n, !mayNeedEscape(base.loadUnaligned(fromByteOffset: k, as: UInt64.self)) {
                k += 8
                continue
            }
            let b = utf8[k]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0xE2 {
                k += 1
                continue
            }
            if b == 0xE2 {
                // U+2028 is E2 80 A8 and U+2029 is E2 80 A9; other E2 sequences pass through.
                guard k + 2 < n, utf8[k + 1] == 0x80, utf8[k + 2] & 0xFE == 0xA8 else {
                    k += 1
                    continue
                }
            }
            if k > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<k])) }
            switch b {
            case 0x22: appendASCII("\\\"", into: &out)
            case 0x5C: appendASCII("\\\\", into: &out)
            case 0x0A: appendASCII("\\n", into: &out)
            case 0x0D: appendASCII("\\r", into: &out)
            case 0x09: appendASCII("\\t", into: &out)
            case 0x08: appendASCII("\\b", into: &out)
            case 0x0C: appendASCII("\\f", into: &out)
            case 0xE2:
                appendASCII(utf8[k + 2] == 0xA8 ? "\\u2028" : "\\u2029", into: &out)
                k += 2
            default:
                appendASCII("\\u00", into: &out)
                out.append(hexDigit(b >> 4))
                out.append(hexDigit(b & 0xF))
            }
            k += 1
            runStart = k
        }
        if n > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<n])) }
        out.append(UInt8(ascii: "\""))
    }

    /// True when any of the 8 bytes is below 0x20, `"`, `\` or 0xE2 (the lead byte of U+2028/U+2029),
    /// so that ordinary text, non-ASCII included, is copied 8 bytes per step.
    @inline(__always)
    static func mayNeedEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let control = (w &- ones &* 0x20) & ~w & highs
        return control != 0 || hasZeroByte(w ^ (ones &* 0x22)) || hasZeroByte(w ^ (ones &* 0x5C))
            || hasZeroByte(w ^ (ones &* 0xE2))
    }

    @inline(__always)
    static func appendASCII(_ s: StaticString, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    static func hexDigit(_ v: UInt8) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10
    }
}
