/// Identifies a scheduled timer so it can be cancelled.
public struct TimerID: Hashable, Sendable {
    let value: UInt64
}

/// A binary min-heap of deadlines. Cancelled timers are dropped lazily when they reach the top,
/// which keeps cancel O(1); the loop only holds a handful of timers (connection timeouts are
/// swept, not timed one by one).
struct TimerQueue {
    private struct Entry {
        var deadline: Int64
        var id: UInt64
    }

    private struct Timer {
        var action: () -> Void
        var interval: Int64?
    }

    private var heap: [Entry] = []
    private var timers: [UInt64: Timer] = [:]
    private var nextID: UInt64 = 1

    var isEmpty: Bool { timers.isEmpty }

    mutating func schedule(at deadline: Int64, interval: Int64?, _ action: @escaping () -> Void) -> TimerID {
        let id = nextID
        nextID += 1
        timers[id] = Timer(action: action, interval: interval)
        push(Entry(deadline: deadline, id: id))
        return TimerID(value: id)
    }

    mutating func cancel(_ id: TimerID) {
        timers[id.value] = nil
    }

    /// The earliest live deadline, dropping cancelled entries on the way.
    mutating func nextDeadline() -> Int64? {
        while let top = heap.first {
            if timers[top.id] != nil { return top.deadline }
            pop()
        }
        return nil
    }

    /// Removes and returns the actions due at `now`, rescheduling repeating ones.
    mutating func takeDue(now: Int64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let top = heap.first, top.deadline <= now {
            pop()
            guard let timer = timers[top.id] else { continue }
            due.append(timer.action)
            if let interval = timer.interval {
                push(Entry(deadline: max(now, top.deadline + interval), id: top.id))
            } else {
                timers[top.id] = nil
            }
        }
        return due
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent].deadline <= heap[child].deadline { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func pop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
            if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
