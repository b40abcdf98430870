/// The counters of one process slot, by name.
public struct SlotCounters {
    private let processes: ProcessTable
    private let kind: ProcessKind
    private let slot: Int

    public init(region: SharedRegion, kind: ProcessKind, slot: Int) {
        processes = region.processes
        self.kind = kind
        self.slot = slot
    }

    @inline(__always)
    public func add(_ counter: Counter, _ delta: Int64) {
        processes.add(counter.rawValue, delta, kind: kind, slot: slot)
    }

    public func get(_ counter: Counter) -> UInt64 {
        processes.get(counter.rawValue, kind: kind, slot: slot)
    }
}
