/// Header fields in arrival order with their original spelling; lookups ignore ASCII case.
/// A list, not a dictionary: order and repeats matter (Set-Cookie, duplicate Content-Length).
public struct HTTPHeaders: Sendable, RandomAccessCollection, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Field = (name: String, value: String)

    public private(set) var fields: [Field]

    public init() { fields = [] }

    public init(_ fields: [Field]) { self.fields = fields }

    /// Literal order is kept: `["Content-Type": "text/plain", "Cache-Control": "no-store"]`.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> Field { fields[position] }

    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field called `name`, then adds one.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name: name, value: value))
    }

    public mutating func remove(name: String) {
        fields.removeAll { HTTPGrammar.equalsIgnoringCase($0.name, name) }
    }

    public mutating func reserveCapacity(_ count: Int) { fields.reserveCapacity(count) }

    public func first(_ name: String) -> String? {
        for field in fields where HTTPGrammar.equalsIgnoringCase(field.name, name) { return field.value }
        return nil
    }

    public func values(_ name: String) -> [String] {
        fields.compactMap { HTTPGrammar.equalsIgnoringCase($0.name, name) ? $0.value : nil }
    }

    public func contains(_ name: String) -> Bool { first(name) != nil }

    /// Whether `token` is an element of the comma-separated lists in the fields called `name`,
    /// ignoring case and whitespace: `hasToken("upgrade", in: "Connection")` for
    /// `Connection: keep-alive, Upgrade`.
    public func hasToken(_ token: String, in name: String) -> Bool {
        var token = token
        return token.withUTF8 { tokenBytes in
            for field in fields where HTTPGrammar.equalsIgnoringCase(field.name, name) {
                var value = field.value
                let found = value.withUTF8 { valueBytes in
                    HTTPHeaders.list(UnsafeRawBufferPointer(valueBytes), contains: UnsafeRawBufferPointer(tokenBytes))
                }
                if found { return true }
            }
            return false
        }
    }

    static func list(_ list: UnsafeRawBufferPointer, contains token: UnsafeRawBufferPointer) -> Bool {
        var start = 0
        while start <= list.count {
            var end = start
            while end < list.count, list[end] != HTTPGrammar.comma { end += 1 }
            let element = HTTPGrammar.trimmingWhitespace(list, start..<end)
            if HTTPGrammar.equalsIgnoringCase(UnsafeRawBufferPointer(rebasing: list[element]), token) { return true }
            start = end + 1
        }
        return false
    }

    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }
}

extension HTTPHeaders: Equatable {
    /// Same fields, same order, same spelling.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}
