/// A parsed JSON document.
///
/// Numbers written without fraction or exponent that fit in 64 bits are `.int`, every other number is
/// `.double`, so ids and counters survive a round trip exactly.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// `.int`, or a `.double` holding an integral value inside the range of `Int64`.
    public var int64Value: Int64? {
        switch self {
        case .int(let i):
            return i
        case .double(let d):
            // Range check then truncate-and-compare: avoids Int64(exactly:), which pulls in libm.
            guard d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
            let i = Int64(d)
            return Double(i) == d ? i : nil
        default:
            return nil
        }
    }

    public var intValue: Int? {
        int64Value.flatMap { Int(exactly: $0) }
    }

    /// Like `intValue`, but also accepts a string in canonical decimal form (`"1"`, `"-3"`; not `"01"`,
    /// `" 1"`, `"+1"` or `"1.0"`), because browser clients send ids read from a URL as strings.
    public var intValueAcceptingNumericString: Int? {
        if case .string(let s) = self { return JSONValue.canonicalDecimalInt(s) }
        return intValue
    }

    /// `.int` or `.double` as a Double.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// Member lookup on an object (last duplicate wins); nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    static func canonicalDecimalInt(_ s: String) -> Int? {
        var s = s
        return s.withUTF8 { canonicalDecimalInt(UnsafeRawBufferPointer($0)) }
    }

    static func canonicalDecimalInt(_ b: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        let negative = b.count > 0 && b[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        let digits = b.count - i
        guard digits > 0, digits <= 19 else { return nil }
        if digits > 1 && b[i] == UInt8(ascii: "0") { return nil }
        if negative && digits == 1 && b[i] == UInt8(ascii: "0") { return nil }
        var magnitude: UInt64 = 0
        while i < b.count {
            let d = b[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            magnitude = magnitude &* 10 &+ UInt64(d)  // 19 digits cannot overflow UInt64
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { return nil }
            return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int.max) else { return nil }
        return Int(magnitude)
    }
}
