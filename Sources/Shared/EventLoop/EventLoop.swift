import CShim
import Glibc

/// One epoll loop per process (Redis's ae.c is the model): descriptors with handlers, timers, and
/// end-of-turn work. Single-threaded by design; every process builds its own after fork.
public final class EventLoop {
    private struct Slot {
        var handler: EventHandler?
        var generation: UInt32 = 0
    }

    private let epfd: Int32
    private var slots: [Slot] = []
    private let maxEvents: Int32 = 512
    private let events: UnsafeMutablePointer<epoll_event>
    private var timers = TimerQueue()
    // Appended to once per connection written in a turn: without dynamic exclusivity checks (one
    // thread; see Connection.output).
    @exclusivity(unchecked) private var turnEndQueue: [TurnEndHandler] = []
    /// Turn-end work that must precede the rest (messages to other processes before client writes).
    @exclusivity(unchecked) private var turnEndFirstQueue: [TurnEndHandler] = []
    @exclusivity(unchecked) private var turnEndSpare: [TurnEndHandler] = []
    private var stopRequested = false

    /// Monotonic milliseconds, refreshed every time the loop wakes up. Cheap "now" for handlers.
    public private(set) var now: Int64

    public init() throws {
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epfd >= 0 else { throw SystemError("epoll_create1") }
        events = .allocate(capacity: Int(maxEvents))
        now = Clock.monotonicMilliseconds()
    }

    /// The epoll descriptor, so a forked child can close its parent's loop.
    public var descriptor: Int32 { epfd }

    deinit {
        events.deallocate()
        FileDescriptor.close(epfd)
    }

    // MARK: descriptors

    public func register(_ fd: Int32, _ interest: IOEvents, _ handler: EventHandler) throws {
        if Int(fd) >= slots.count {
            slots.append(contentsOf: repeatElement(Slot(), count: max(Int(fd) + 1 - slots.count, slots.count)))
        }
        slots[Int(fd)].generation &+= 1
        slots[Int(fd)].handler = handler
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.u64 = token(fd)
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 else {
            slots[Int(fd)].handler = nil
            throw SystemError("epoll_ctl(ADD)")
        }
    }

    public func modify(_ fd: Int32, _ interest: IOEvents) {
        var event = epoll_event()
        event.events = interest.rawValue
        event.data.u64 = token(fd)
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event)
    }

    /// Forgets the descriptor (the caller closes it). Events already fetched for it in this turn are
    /// ignored, even if the number is reused by a new descriptor before they are dispatched.
    public func unregister(_ fd: Int32) {
        guard Int(fd) < slots.count, slots[Int(fd)].handler != nil else { return }
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nil)
        slots[Int(fd)].handler = nil
        slots[Int(fd)].generation &+= 1
    }

    public func isRegistered(_ fd: Int32) -> Bool {
        Int(fd) < slots.count && slots[Int(fd)].handler != nil
    }

    @inline(__always)
    private func token(_ fd: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: fd)) | UInt64(slots[Int(fd)].generation) << 32
    }

    // MARK: timers and deferred work

    @discardableResult
    public func schedule(after milliseconds: Int64, _ action: @escaping () -> Void) -> TimerID {
        timers.schedule(at: Clock.monotonicMilliseconds() + milliseconds, interval: nil, action)
    }

    @discardableResult
    public func scheduleRepeating(every milliseconds: Int64, _ action: @escaping () -> Void) -> TimerID {
        timers.schedule(at: Clock.monotonicMilliseconds() + milliseconds, interval: milliseconds, action)
    }

    public func cancel(_ timer: TimerID) {
        timers.cancel(timer)
    }

    /// Runs `handler.turnEnded()` once this turn's events are handled. The caller keeps a flag so
    /// it asks at most once per turn.
    /// With `first`, it runs before every handler deferred without it.
    public func deferToTurnEnd(_ handler: TurnEndHandler, first: Bool = false) {
        if first { turnEndFirstQueue.append(handler) } else { turnEndQueue.append(handler) }
    }

    // MARK: running

    public func stop() {
        stopRequested = true
    }

    public func run() {
        stopRequested = false
        while !stopRequested {
            runOnce()
        }
    }

    /// One turn: wait for events (at most until the next timer), dispatch them, run due timers,
    /// then the end-of-turn work.
    public func runOnce(maxWaitMilliseconds: Int32 = -1) {
        var timeout: Int32 = turnEndQueue.isEmpty && turnEndFirstQueue.isEmpty ? maxWaitMilliseconds : 0
        if let deadline = timers.nextDeadline() {
            let wait = Int32(clamping: max(0, deadline - Clock.monotonicMilliseconds()))
            timeout = timeout < 0 ? wait : min(timeout, wait)
        }
        let count = epoll_wait(epfd, events, maxEvents, timeout)
        now = Clock.monotonicMilliseconds()
        if count > 0 {
            for i in 0..<Int(count) {
                let event = events[i]
                let fd = Int(UInt32(truncatingIfNeeded: event.data.u64))
                let generation = UInt32(truncatingIfNeeded: event.data.u64 >> 32)
                guard fd < slots.count, slots[fd].generation == generation, let handler = slots[fd].handler else {
                    continue
                }
                handler.handleEvents(IOEvents(rawValue: event.events))
            }
        }
        if !timers.isEmpty {
            for action in timers.takeDue(now: now) { action() }
        }
        runTurnEnd()
    }

    private func runTurnEnd() {
        // Handlers may queue more work while flushing (a write error closes a connection, which
        // may notify others); keep going until both queues are empty.
        while !turnEndQueue.isEmpty || !turnEndFirstQueue.isEmpty {
            while !turnEndFirstQueue.isEmpty {
                swap(&turnEndFirstQueue, &turnEndSpare)
                runSpare()
            }
            swap(&turnEndQueue, &turnEndSpare)
            runSpare()
        }
    }

    /// Runs the handlers taken from a queue, whose storage the queue got in exchange: new work
    /// goes there meanwhile, and no turn allocates.
    private func runSpare() {
        for handler in turnEndSpare { handler.turnEnded() }
        turnEndSpare.removeAll(keepingCapacity: true)
    }
}
