import CSharedMemory

/// The connection table: rows claimed from a lock-free free list, each written only by the worker
/// that owns it and readable by every process. Owner calls take the handle so that a stale one (a
/// connection already removed) is refused instead of touching whichever connection has the row now.
public struct ConnectionTable {
    let region: SharedRegion

    init(region: SharedRegion) { self.region = region }

    public var capacity: Int { region.layout.connectionCapacity }
    /// Rows in use, across all workers.
    public var count: Int { Int(cr_conn_count(region.pointer)) }
    /// One past the highest row ever claimed: scans stop here.
    public var highWater: Int { Int(cr_conn_high_water(region.pointer)) }

    /// Claims a row for a new connection of `worker`; nil when the table is full.
    public func insert(worker: Int, fd: Int32, state: UInt16 = 0, nowMs: UInt64) -> ConnectionHandle? {
        precondition(worker >= 0 && worker < region.layout.workerSlots, "worker \(worker) out of range")
        var id: UInt64 = 0
        let index = cr_conn_insert(region.mutablePointer, UInt16(worker), fd, state, nowMs, &id)
        guard index >= 0 else { return nil }
        return ConnectionHandle(index: Int(index), connectionId: id)
    }

    public enum ClientInsert: Equatable {
        case inserted(ConnectionHandle)
        case tableFull
        /// `limit` rows already hold this client's address.
        case addressLimit
    }

    /// Claims a row for a new client socket and counts it against its address (nil: not counted):
    /// `.addressLimit`, claiming nothing, when `limit` (0 = none) open rows already hold it. The row
    /// gives the count back when it is freed, so `remove` (or the master's `reclaim`) is the only
    /// release there is. A socket moved into a fresh row (an adopted connection) passes limit 0: it
    /// was admitted once, and the row it left has released its count.
    public func insert(worker: Int, fd: Int32, state: UInt16 = 0, nowMs: UInt64, client: ClientAddress?,
                       limit: Int) -> ClientInsert {
        precondition(worker >= 0 && worker < region.layout.workerSlots, "worker \(worker) out of range")
        var id: UInt64 = 0
        let cap = UInt32(clamping: max(0, limit))
        let index: Int64
        if let client {
            index = client.bytes.withUnsafeBufferPointer {
                cr_conn_insert_client(region.mutablePointer, UInt16(worker), fd, state, nowMs, $0.baseAddress, cap, &id)
            }
        } else {
            index = cr_conn_insert_client(region.mutablePointer, UInt16(worker), fd, state, nowMs, nil, 0, &id)
        }
        if index == Int64(CR_CONN_IP_LIMIT) { return .addressLimit }
        guard index >= 0 else { return .tableFull }
        return .inserted(ConnectionHandle(index: Int(index), connectionId: id))
    }

    @discardableResult
    public func setUser(_ handle: ConnectionHandle, _ userId: UInt64) -> Bool {
        guard let (base, index) = owned(handle) else { return false }
        cr_conn_set_user(base, index, userId)
        return true
    }

    @discardableResult
    public func setState(_ handle: ConnectionHandle, _ state: UInt16) -> Bool {
        guard let (base, index) = owned(handle) else { return false }
        cr_conn_set_state(base, index, state)
        return true
    }

    @discardableResult
    public func setFlags(_ handle: ConnectionHandle, _ flags: UInt32) -> Bool {
        guard let (base, index) = owned(handle) else { return false }
        cr_conn_set_flags(base, index, flags)
        return true
    }

    /// Moves the connection to `room` (0 leaves its room), keeping the room table's member counts in
    /// step. False, with the connection still in its old room, when the room id is not below
    /// `rooms.capacity` (room ids come from clients, so this is not a trap) or the handle is stale.
    @discardableResult
    public func setRoom(_ handle: ConnectionHandle, _ room: Int) -> Bool {
        guard room >= 0, room < region.layout.roomCapacity, let (base, index) = owned(handle) else { return false }
        return cr_conn_set_room(base, index, UInt32(room)) == 0
    }

    /// Takes over a connection passed from another worker over SCM_RIGHTS; call it in the receiving
    /// worker once the sender has stopped touching the row.
    @discardableResult
    public func transfer(_ handle: ConnectionHandle, toWorker worker: Int, fd: Int32) -> Bool {
        precondition(worker >= 0 && worker < region.layout.workerSlots, "worker \(worker) out of range")
        guard let (base, index) = owned(handle) else { return false }
        return cr_conn_transfer(base, index, UInt16(worker), fd) == 0
    }

    /// Frees the row (leaving its room first). False if the handle was already stale.
    @discardableResult
    public func remove(_ handle: ConnectionHandle) -> Bool {
        guard let (base, index) = owned(handle) else { return false }
        cr_conn_remove(base, index)
        return true
    }

    /// The row at `index` if it is in use (and not stuck mid-update by a worker that died).
    public func snapshot(at index: Int) -> ConnectionRow? {
        guard index >= 0, index < capacity else { return nil }
        var row = cr_conn_snapshot()
        guard cr_conn_read(region.pointer, UInt32(index), &row) == 1 else { return nil }
        return ConnectionRow(row)
    }

    /// The row, if it still holds the handle's connection.
    public func snapshot(_ handle: ConnectionHandle) -> ConnectionRow? {
        guard let row = snapshot(at: handle.index), row.connectionId == handle.connectionId else { return nil }
        return row
    }

    /// Every live row, in index order, each read consistently (rows may change between two calls).
    public func forEachLive(_ body: (ConnectionRow) throws -> Void) rethrows {
        let base = region.pointer
        var row = cr_conn_snapshot()
        for index in 0..<UInt32(cr_conn_high_water(base)) where cr_conn_read(base, index, &row) == 1 {
            try body(ConnectionRow(row))
        }
    }

    /// Frees every row of `worker` and zeroes its room counts. Only for the master, after the worker's
    /// process exited and before another process takes its slot. Returns how many rows it freed.
    @discardableResult
    public func reclaim(worker: Int) -> Int {
        precondition(worker >= 0 && worker < region.layout.workerSlots, "worker \(worker) out of range")
        return Int(cr_conn_reclaim_worker(region.mutablePointer, UInt16(worker)))
    }

    private func owned(_ handle: ConnectionHandle) -> (UnsafeMutableRawPointer, UInt32)? {
        let base = region.mutablePointer
        guard handle.index >= 0, handle.index < capacity, handle.connectionId != 0,
              cr_conn_id(base, UInt32(handle.index)) == handle.connectionId else { return nil }
        return (base, UInt32(handle.index))
    }
}
