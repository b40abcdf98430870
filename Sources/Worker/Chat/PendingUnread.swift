/// Messages not yet added to the unread counts of this worker's connections. Adding them means a
/// walk over every connection here; under load one turn brings many messages of the same room, so
/// they are added once per room and turn (`ChatApplication.settleUnread`) instead of once each.
/// Settled before anything reads the counts or changes who is in which room, so the counts are
/// the same as if each message had been added when it arrived.
struct PendingUnread {
    /// One room's pending messages: how many, and how many of them each sender sent (nobody's
    /// own message is unread to them).
    struct Tally: Equatable {
        var total = 0
        var bySender: [Int64: Int] = [:]

        func count(for user: Int64) -> Int { total - (bySender[user] ?? 0) }

        mutating func record(_ sender: Int64) {
            total += 1
            bySender[sender, default: 0] += 1
        }
    }

    private var rooms: [Int: Tally] = [:]

    var isEmpty: Bool { rooms.isEmpty }

    mutating func add(room: Int, sender: Int64) {
        rooms[room, default: Tally()].record(sender)
    }

    /// Everything pending, per room; nothing is pending afterwards.
    mutating func take() -> [Int: Tally] {
        defer { rooms = [:] }
        return rooms
    }
}
