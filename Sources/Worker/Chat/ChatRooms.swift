import Shared

/// The configured rooms: ids 1, 2, ... in configuration order, each with its name (`room1`, ...,
/// the keys of `count`).
struct ChatRooms {
    let names: [String]

    init(_ configuration: Configuration) {
        names = configuration.rooms
    }

    var ids: ClosedRange<Int> { 1...names.count }

    func name(_ id: Int) -> String? { ids.contains(id) ? names[id - 1] : nil }

    /// A room id from the wire: the tutorial's client sends strings ("1"), others numbers.
    func id(from value: JSONValue?) -> Int? {
        guard let value, let id = value.intValueAcceptingNumericString, ids.contains(id) else { return nil }
        return id
    }
}
