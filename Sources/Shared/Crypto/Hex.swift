/// Lowercase hexadecimal, the form token hashes are stored and compared in.
public enum Hex {
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            let digits: StaticString = "0123456789abcdef"
            let d = digits.utf8Start
            var k = 0
            for b in bytes {
                out[k] = d[Int(b >> 4)]
                out[k + 1] = d[Int(b & 0x0F)]
                k += 2
            }
            return k
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// Accepts upper and lower case; nil for an odd length or any non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    public static func decode(_ ascii: UnsafeRawBufferPointer) -> [UInt8]? {
        guard ascii.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(ascii.count / 2)
        var k = 0
        while k < ascii.count {
            guard let hi = value(ascii[k]), let lo = value(ascii[k + 1]) else { return nil }
            out.append(hi << 4 | lo)
            k += 2
        }
        return out
    }

    @inline(__always)
    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
