/// A JSON object that keeps its members in document order.
///
/// Objects on this server's wire have a handful of keys, so a linear scan beats hashing; keeping order
/// makes written output deterministic and byte-comparable in tests.
public struct JSONObject: Sendable, Equatable {
    public var members: [(key: String, value: JSONValue)]

    public init() { members = [] }

    public init(_ members: [(key: String, value: JSONValue)]) { self.members = members }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    /// The value of the last member named `key`, matching what JavaScript's JSON.parse keeps.
    /// Setting replaces every member named `key` by one at the position of the first (or appends);
    /// setting nil removes them all.
    public subscript(key: String) -> JSONValue? {
        get {
            var i = members.count
            while i > 0 {
                i -= 1
                if members[i].key == key { return members[i].value }
            }
            return nil
        }
        set {
            guard let first = members.firstIndex(where: { $0.key == key }) else {
                if let newValue { members.append((key, newValue)) }
                return
            }
            if let newValue {
                members[first].value = newValue
                var i = members.count - 1
                while i > first {
                    if members[i].key == key { members.remove(at: i) }
                    i -= 1
                }
            } else {
                members.removeAll { $0.key == key }
            }
        }
    }

    public mutating func append(key: String, value: JSONValue) {
        members.append((key, value))
    }

    /// Order-sensitive: two objects with the same members in another order are not equal, which is
    /// what byte-exact tests want.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        for i in a.members.indices where a.members[i].key != b.members[i].key || a.members[i].value != b.members[i].value {
            return false
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = elements.map { (key: $0.0, value: $0.1) }
    }
}

// No ExpressibleByNilLiteral: it would make `value == nil` on a `JSONValue?` ambiguous.
extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
}
