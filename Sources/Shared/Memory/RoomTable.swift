import CSharedMemory

/// Per-room message sequence numbers and member counts per worker. Room ids are 1 ..< capacity;
/// they come from clients, so any other id is answered with nil/0/empty rather than a trap.
public struct RoomTable {
    let region: SharedRegion

    init(region: SharedRegion) { self.region = region }

    public var capacity: Int { region.layout.roomCapacity }

    public func isValid(room: Int) -> Bool { room > 0 && room < capacity }

    /// Claims the room's next message sequence number (1, 2, 3, ...); nil for an invalid room id.
    public func nextSeq(room: Int) -> UInt64? {
        guard isValid(room: room) else { return nil }
        return cr_room_next_seq(region.mutablePointer, UInt32(room))
    }

    public func lastSeq(room: Int) -> UInt64 {
        guard isValid(room: room) else { return 0 }
        return cr_room_last_seq(region.pointer, UInt32(room))
    }

    /// Raises the room's last seq to at least `seq` (from the database at start); never lowers it.
    public func seed(room: Int, seq: UInt64) {
        guard isValid(room: room) else { return }
        cr_room_seed_seq(region.mutablePointer, UInt32(room), seq)
    }

    public func members(room: Int) -> Int {
        guard isValid(room: room) else { return 0 }
        return Int(cr_room_members(region.pointer, UInt32(room)))
    }

    public func members(room: Int, onWorker worker: Int) -> Int {
        guard isValid(room: room), worker >= 0, worker < region.layout.workerSlots else { return 0 }
        return Int(cr_room_members_on_worker(region.pointer, UInt32(room), UInt16(worker)))
    }

    /// The workers a broadcast to the room must reach.
    public func workersWithMembers(room: Int) -> WorkerSet {
        var set = WorkerSet()
        guard isValid(room: room) else { return set }
        set.withWords { cr_room_worker_mask(region.pointer, UInt32(room), $0, UInt32(WorkerSet.wordCount)) }
        return set
    }
}
