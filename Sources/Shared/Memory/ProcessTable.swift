import CSharedMemory

public enum ProcessKind: Int32, CaseIterable, Sendable {
    case worker = 0
    case taskWorker = 1
}

/// Identity of whatever process holds a slot; pid 0 = none.
public struct ProcessSnapshot: Equatable, Sendable {
    public let pid: Int32
    /// How many processes have held the slot: it rises on every (re)start.
    public let generation: UInt32
    public let startedAtMs: UInt64
    public let state: UInt32
}

/// Process slots and their counters. Counter indices are 0 ..< ProcessTable.counterCount; the
/// names live with the caller. Counters are 64-bit and wrap; a gauge is a counter whose deltas may
/// be negative, so read it as `Int64(bitPattern:)` if it can dip below zero.
public struct ProcessTable {
    public static let counterCount = Int(CR_MAX_COUNTERS)

    let region: SharedRegion

    init(region: SharedRegion) { self.region = region }

    public func slots(_ kind: ProcessKind) -> Int {
        kind == .worker ? region.layout.workerSlots : region.layout.taskWorkerSlots
    }

    /// The master records a fork. Counters are left alone: a restarted worker continues its slot's
    /// totals; reset gauges with `set` when the old process exits.
    public func started(kind: ProcessKind, slot: Int, pid: Int32, nowMs: UInt64) {
        cr_process_started(region.mutablePointer, kind.rawValue, checked(kind, slot), pid, nowMs)
    }

    public func setState(kind: ProcessKind, slot: Int, _ state: UInt32) {
        cr_process_set_state(region.mutablePointer, kind.rawValue, checked(kind, slot), state)
    }

    /// Marks the slot empty (pid and state 0).
    public func exited(kind: ProcessKind, slot: Int) {
        cr_process_exited(region.mutablePointer, kind.rawValue, checked(kind, slot))
    }

    public func read(kind: ProcessKind, slot: Int) -> ProcessSnapshot {
        var s = cr_process_snapshot()
        cr_process_read(region.pointer, kind.rawValue, checked(kind, slot), &s)
        return ProcessSnapshot(pid: s.pid, generation: s.generation, startedAtMs: s.started_at_ms, state: s.state)
    }

    @inline(__always)
    public func add(_ counter: Int, _ delta: Int64, kind: ProcessKind, slot: Int) {
        cr_counter_add(region.mutablePointer, kind.rawValue, checked(kind, slot), checked(counter), delta)
    }

    public func set(_ counter: Int, _ value: UInt64, kind: ProcessKind, slot: Int) {
        cr_counter_set(region.mutablePointer, kind.rawValue, checked(kind, slot), checked(counter), value)
    }

    public func get(_ counter: Int, kind: ProcessKind, slot: Int) -> UInt64 {
        cr_counter_get(region.pointer, kind.rawValue, checked(kind, slot), checked(counter))
    }

    /// The counter summed over every slot of `kind` (wrapping, so gauges with negative deltas add up).
    public func total(_ counter: Int, kind: ProcessKind) -> UInt64 {
        let index = checked(counter)
        var sum: UInt64 = 0
        for slot in 0..<slots(kind) {
            sum &+= cr_counter_get(region.pointer, kind.rawValue, UInt32(slot), index)
        }
        return sum
    }

    public func resetCounters(kind: ProcessKind, slot: Int) {
        let s = checked(kind, slot)
        for counter in 0..<UInt32(Self.counterCount) {
            cr_counter_set(region.mutablePointer, kind.rawValue, s, counter, 0)
        }
    }

    public func addGlobal(_ counter: Int, _ delta: Int64) {
        cr_global_add(region.mutablePointer, checked(counter), delta)
    }

    public func setGlobal(_ counter: Int, _ value: UInt64) {
        cr_global_set(region.mutablePointer, checked(counter), value)
    }

    public func getGlobal(_ counter: Int) -> UInt64 {
        cr_global_get(region.pointer, checked(counter))
    }

    @inline(__always)
    private func checked(_ kind: ProcessKind, _ slot: Int) -> UInt32 {
        precondition(slot >= 0 && slot < slots(kind), "\(kind) slot \(slot) out of range")
        return UInt32(slot)
    }

    @inline(__always)
    private func checked(_ counter: Int) -> UInt32 {
        precondition(counter >= 0 && counter < Self.counterCount, "counter \(counter) out of range")
        return UInt32(counter)
    }
}
