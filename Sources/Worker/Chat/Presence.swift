/// Who is online in which room, across every worker: this worker's copy, kept per worker slot so
/// that a worker that dies (or restarts) takes exactly its own entries with it. Each worker applies
/// its own changes and the ones its peers announce, in the order each peer sent them, so the copies
/// converge; every change is followed by the new map going to that room's local members.
struct Presence {
    /// slot → room → user → connections of that user in that room on that worker.
    private var bySlot: [Int: [Int: [Int64: Int]]] = [:]
    private(set) var profiles: [Int64: UserProfile] = [:]

    /// Returns whether the room's list of users changed (false for a user's second connection).
    @discardableResult
    mutating func join(slot: Int, room: Int, _ profile: UserProfile) -> Bool {
        let wasThere = contains(user: profile.id, room: room)
        let changedProfile = profiles[profile.id] != profile
        profiles[profile.id] = profile
        bySlot[slot, default: [:]][room, default: [:]][profile.id, default: 0] += 1
        return !wasThere || changedProfile
    }

    /// Returns whether the room's list of users changed (false while the user has another
    /// connection there).
    @discardableResult
    mutating func leave(slot: Int, room: Int, user: Int64) -> Bool {
        guard let count = bySlot[slot]?[room]?[user] else { return false }
        if count <= 1 {
            bySlot[slot]?[room]?[user] = nil
        } else {
            bySlot[slot]?[room]?[user] = count - 1
        }
        return !contains(user: user, room: room)
    }

    /// A worker is gone: its entries go; returns the rooms that changed.
    mutating func dropWorker(_ slot: Int) -> [Int] {
        guard let rooms = bySlot.removeValue(forKey: slot) else { return [] }
        return rooms.filter { !$0.value.isEmpty }.map(\.key).sorted()
    }

    /// A peer's whole state (the answer to a sync request); returns the rooms whose list of users
    /// (or a listed profile) changed, so that a state already known announces nothing.
    mutating func replace(slot: Int, with entries: [(room: Int, count: Int, profile: UserProfile)]) -> [Int] {
        var touched = Set(bySlot[slot]?.keys.map { $0 } ?? [])
        for entry in entries where entry.count > 0 { touched.insert(entry.room) }
        let before = Dictionary(uniqueKeysWithValues: touched.map { ($0, users(in: $0)) })
        var rooms: [Int: [Int64: Int]] = [:]
        for entry in entries where entry.count > 0 {
            profiles[entry.profile.id] = entry.profile
            rooms[entry.room, default: [:]][entry.profile.id] = entry.count
        }
        bySlot[slot] = rooms
        return touched.filter { users(in: $0) != before[$0] }.sorted()
    }

    /// Every entry of every slot (a reload passes this worker's whole picture to its successor).
    func allEntries() -> [(slot: Int, room: Int, count: Int, profile: UserProfile)] {
        bySlot.keys.flatMap { slot in entries(slot: slot).map { (slot, $0.room, $0.count, $0.profile) } }
    }

    /// The picture a predecessor passed on (see `allEntries`).
    init(entries: [(slot: Int, room: Int, count: Int, profile: UserProfile)]) {
        for (slot, slotEntries) in Dictionary(grouping: entries, by: \.slot) {
            replace(slot: slot, with: slotEntries.map { ($0.room, $0.count, $0.profile) })
        }
    }

    init() {}

    mutating func updateProfile(_ profile: UserProfile) {
        if profiles[profile.id] != nil { profiles[profile.id] = profile }
    }

    func contains(user: Int64, room: Int) -> Bool {
        bySlot.values.contains { ($0[room]?[user] ?? 0) > 0 }
    }

    /// Users online in `room`, each once, ordered by id.
    func users(in room: Int) -> [UserProfile] {
        var ids = Set<Int64>()
        for rooms in bySlot.values {
            for (user, count) in rooms[room] ?? [:] where count > 0 { ids.insert(user) }
        }
        return ids.sorted().compactMap { profiles[$0] }
    }

    func onlineCount(room: Int) -> Int {
        var ids = Set<Int64>()
        for rooms in bySlot.values {
            for (user, count) in rooms[room] ?? [:] where count > 0 { ids.insert(user) }
        }
        return ids.count
    }

    /// This slot's entries, to answer a peer's sync request.
    func entries(slot: Int) -> [(room: Int, count: Int, profile: UserProfile)] {
        var result: [(room: Int, count: Int, profile: UserProfile)] = []
        for (room, users) in bySlot[slot] ?? [:] {
            for (user, count) in users where count > 0 {
                if let profile = profiles[user] { result.append((room, count, profile)) }
            }
        }
        return result
    }
}
