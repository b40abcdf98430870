/// Name/value pairs of a query string or an `application/x-www-form-urlencoded` body, in
/// order, decoded. Lookups are case-sensitive, as names in forms are.
public struct QueryParameters: Sendable, RandomAccessCollection {
    public typealias Pair = (name: String, value: String)

    public private(set) var pairs: [Pair]
    /// Pairs left out because a name or value had a malformed escape or invalid UTF-8; a
    /// caller that must not act on partial input can refuse the request when it is not 0.
    public private(set) var malformedCount: Int

    public init(_ pairs: [Pair] = [], malformedCount: Int = 0) {
        self.pairs = pairs
        self.malformedCount = malformedCount
    }

    public var startIndex: Int { pairs.startIndex }
    public var endIndex: Int { pairs.endIndex }
    public subscript(position: Int) -> Pair { pairs[position] }

    /// Value of the first pair called `name`.
    public func first(_ name: String) -> String? {
        for pair in pairs where pair.name == name { return pair.value }
        return nil
    }

    public func all(_ name: String) -> [String] {
        pairs.compactMap { $0.name == name ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool { first(name) != nil }
}

public enum QueryString {
    /// `a=1&b=x+y&c` → `[("a","1"), ("b","x y"), ("c","")]`. Empty pieces (`a=1&&b=2`) are
    /// skipped; a leading `?` is not expected (`HTTPRequestHead.query` has none).
    public static func parse(_ raw: String) -> QueryParameters {
        var raw = raw
        return raw.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Same, straight from a body's bytes.
    public static func parse(_ raw: UnsafeRawBufferPointer) -> QueryParameters {
        var pairs: [QueryParameters.Pair] = []
        var malformed = 0
        var start = 0
        let count = raw.count
        while start < count {
            var end = start
            var equals = -1
            while end < count, raw[end] != UInt8(ascii: "&") {
                if equals < 0 && raw[end] == HTTPGrammar.equals { equals = end }
                end += 1
            }
            if end > start {
                let nameEnd = equals < 0 ? end : equals
                let valueStart = equals < 0 ? end : equals + 1
                if let name = PercentDecoding.decodeFormComponent(UnsafeRawBufferPointer(rebasing: raw[start..<nameEnd])),
                   let value = PercentDecoding.decodeFormComponent(UnsafeRawBufferPointer(rebasing: raw[valueStart..<end])) {
                    pairs.append((name: name, value: value))
                } else {
                    malformed += 1
                }
            }
            start = end + 1
        }
        return QueryParameters(pairs, malformedCount: malformed)
    }
}
