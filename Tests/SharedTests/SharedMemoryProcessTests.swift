import CSharedMemory
import Glibc
import Testing
@testable import Shared

/// Forks `count` children that run `body(child)` and `_exit` with its result (never returning into the
/// test runner), then waits for all of them. Exit codes come back in child order; death by signal s
/// reads as 128 + s, a child still running after the timeout is killed and reads as -1.
/// Children only touch the shared region and locals: the runner's other threads do not exist there.
func runChildren(_ count: Int, timeoutMs: Int64 = 120_000, _ body: (Int) -> Int32) -> [Int32] {
    fflush(nil)
    var pids: [pid_t] = []
    for child in 0..<count {
        let pid = fork()
        if pid == 0 { _exit(body(child)) }
        pids.append(pid)
    }
    return pids.map { waitForExit($0, timeoutMs: timeoutMs) }
}

func waitForExit(_ pid: pid_t, timeoutMs: Int64) -> Int32 {
    guard pid > 0 else { return -2 }
    let deadline = monotonicMs() + timeoutMs
    var status: Int32 = 0
    while true {
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { break }
        if result < 0 && errno != EINTR { return -2 }
        if monotonicMs() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return -1
        }
        usleep(1000)
    }
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
}

func monotonicMs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// xorshift64: children must not touch the runner's shared random state.
struct TestRandom {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(bound))
    }
}

@Suite("Shared memory: several processes", .serialized)
struct SharedMemoryProcessTests {
    /// Child exit codes that name what went wrong.
    enum Failure: Int32 {
        case barrierTimeout = 10
        case tableFull = 20
        case connectionIdNotIncreasing = 21
        case rowOverwritten = 22
        case staleRemove = 23
        case roomRefused = 24
        case noSeq = 25
    }

    @Test func concurrentInsertsRemovesCountersAndSeqsAddUp() throws {
        let capacity = 512, iterations = 100_000, keepLive = 100, children = 2, roomCapacity = 8
        let region = try makeRegion(connections: capacity, workers: 4, taskWorkers: 2, rooms: roomCapacity)
        defer { dispose(region) }
        let table = region.connections, rooms = region.rooms, processes = region.processes
        let started = 0, iterationsDone = 1               // global counters
        let gauge = 0                                      // per slot; counters 1..<roomCapacity count seqs
        // Warm up every path in this process first, so the children need no lazy runtime work.
        if let h = table.insert(worker: 3, fd: 0, nowMs: 0) {
            table.setUser(h, 1); table.setRoom(h, 1); _ = table.snapshot(h); table.remove(h)
        }
        var ring = [ConnectionHandle](repeating: ConnectionHandle(index: 0, connectionId: 0), count: keepLive)

        let codes = runChildren(children) { child in
            processes.addGlobal(started, 1)
            var spins = 0
            while processes.getGlobal(started) < UInt64(children) {
                spins += 1
                if spins > 50_000_000 { return Failure.barrierTimeout.rawValue }
            }
            var random = TestRandom(state: 0x9E37_79B9_7F4A_7C15 &* UInt64(child + 1))
            var live = 0
            var lastId: UInt64 = 0
            for step in 0..<iterations {
                if live < keepLive && (live == 0 || random.next(2) == 0) {
                    guard let h = table.insert(worker: child, fd: Int32(step), state: 1, nowMs: UInt64(step)) else {
                        return Failure.tableFull.rawValue
                    }
                    guard h.connectionId > lastId else { return Failure.connectionIdNotIncreasing.rawValue }
                    lastId = h.connectionId
                    table.setUser(h, UInt64(child + 1) << 32 | UInt64(step))
                    guard table.setRoom(h, 1 + random.next(roomCapacity - 1)) else { return Failure.roomRefused.rawValue }
                    processes.add(gauge, 1, kind: .worker, slot: child)
                    ring[live] = h
                    live += 1
                } else {
                    let pick = random.next(live)
                    let h = ring[pick]
                    guard let row = table.snapshot(h), row.worker == child,
                          row.userId == UInt64(child + 1) << 32 | UInt64(row.fd) else {
                        return Failure.rowOverwritten.rawValue
                    }
                    if random.next(2) == 0 { table.setRoom(h, random.next(roomCapacity)) }
                    guard table.remove(h) else { return Failure.staleRemove.rawValue }
                    processes.add(gauge, -1, kind: .worker, slot: child)
                    live -= 1
                    ring[pick] = ring[live]
                }
                let room = 1 + random.next(roomCapacity - 1)
                guard rooms.nextSeq(room: room) != nil else { return Failure.noSeq.rawValue }
                processes.add(room, 1, kind: .worker, slot: child)
                processes.addGlobal(iterationsDone, 1)
            }
            return 0
        }
        #expect(codes == [0, 0])

        #expect(processes.getGlobal(iterationsDone) == UInt64(children * iterations), "no lost counter updates")
        for room in 1..<roomCapacity {
            let claimed = (0..<children).reduce(UInt64(0)) { $0 + processes.get(room, kind: .worker, slot: $1) }
            #expect(rooms.lastSeq(room: room) == claimed, "room \(room): every seq claimed exactly once")
        }

        // The rows the children left behind, checked against every count kept about them.
        var liveRows: [ConnectionRow] = []
        table.forEachLive { liveRows.append($0) }
        #expect(liveRows.count == table.count)
        #expect(Set(liveRows.map(\.connectionId)).count == liveRows.count)
        var perRoomWorker: [Int: Int] = [:]
        for row in liveRows {
            #expect(row.worker < children)
            #expect(row.userId == UInt64(row.worker + 1) << 32 | UInt64(row.fd))
            perRoomWorker[row.roomId * 100 + row.worker, default: 0] += 1
        }
        for child in 0..<children {
            let mine = liveRows.filter { $0.worker == child }.count
            #expect(Int64(bitPattern: processes.get(gauge, kind: .worker, slot: child)) == Int64(mine))
        }
        for room in 1..<roomCapacity {
            var total = 0
            for worker in 0..<4 {
                let expected = perRoomWorker[room * 100 + worker] ?? 0
                #expect(rooms.members(room: room, onWorker: worker) == expected)
                total += expected
            }
            #expect(rooms.members(room: room) == total)
        }

        // Reclaim one worker, remove the other's rows, then the free list must hold every row.
        let ofWorker0 = liveRows.filter { $0.worker == 0 }
        #expect(table.reclaim(worker: 0) == ofWorker0.count)
        #expect(table.count == liveRows.count - ofWorker0.count)
        for row in liveRows where row.worker == 1 { #expect(table.remove(row.handle)) }
        #expect(table.count == 0)
        for room in 1..<roomCapacity { #expect(rooms.members(room: room) == 0) }
        var indices = Set<Int>()
        for _ in 0..<capacity {
            guard let h = table.insert(worker: 2, fd: 1, nowMs: 0) else { break }
            indices.insert(h.index)
        }
        #expect(indices == Set(0..<capacity), "exactly capacity rows, each handed out once")
        #expect(table.insert(worker: 2, fd: 1, nowMs: 0) == nil)
        #expect(table.highWater == capacity)
    }

    /// A child rewrites two rows as fast as it can; every snapshot the parent takes must be one the
    /// child wrote whole: a row's fields always agree with each other.
    @Test func seqlockSnapshotsAreNeverTorn() throws {
        let region = try makeRegion(connections: 4, workers: 4, rooms: 4)
        defer { dispose(region) }
        let table = region.connections, processes = region.processes
        let stop = 0, childLoops = 1
        let moving = try #require(table.insert(worker: 1, fd: 0, nowMs: 0))   // transfer: worker == fd % 2 + 1
        table.transfer(moving, toWorker: 1, fd: 0)
        let churnIndex = 1                                                  // insert: fd == openedAt
        let warm = try #require(table.insert(worker: 0, fd: 0, nowMs: 0))
        table.remove(warm)
        #expect(warm.index == churnIndex)

        fflush(nil)
        let pid = fork()
        if pid == 0 {
            var k: Int32 = 1
            while processes.getGlobal(stop) == 0 {
                table.transfer(moving, toWorker: Int(k % 2) + 1, fd: k)
                if let h = table.insert(worker: 2, fd: k, state: UInt16(truncatingIfNeeded: k), nowMs: UInt64(k)) {
                    table.setUser(h, UInt64(k))
                    table.remove(h)
                }
                processes.addGlobal(childLoops, 1)
                k &+= 1
            }
            _exit(0)
        }
        var reads = 0, torn = 0, churnSeen = 0
        let deadline = monotonicMs() + 1500
        while monotonicMs() < deadline || processes.getGlobal(childLoops) < 10_000 {
            if monotonicMs() > deadline + 30_000 { break }
            for _ in 0..<1000 {
                if let row = table.snapshot(at: moving.index) {
                    reads += 1
                    if row.worker != Int(row.fd % 2) + 1 || row.connectionId != moving.connectionId { torn += 1 }
                }
                if let row = table.snapshot(at: churnIndex) {
                    churnSeen += 1
                    if UInt64(row.fd) != row.openedAtMs || UInt16(truncatingIfNeeded: row.fd) != row.state
                        || (row.userId != 0 && row.userId != UInt64(row.fd)) || row.worker != 2 { torn += 1 }
                }
            }
        }
        processes.setGlobal(stop, 1)
        #expect(waitForExit(pid, timeoutMs: 30_000) == 0)
        #expect(torn == 0)
        #expect(reads > 100_000)
        #expect(churnSeen > 0, "the parent caught the churned row live at least once")
        #expect(processes.getGlobal(childLoops) >= 10_000)
        #expect(region.rooms.members(room: 1) == 0)
    }

    /// Workers killed at random points, often in the middle of a row update: the master's reclaim
    /// must free their rows (including ones left busy), zero their room counts and leave no reader
    /// stuck. A kill between popping a row and stamping it (or clearing and pushing it) loses that
    /// one row until restart, so at most one row per kill may be missing.
    @Test func reclaimAfterAWorkerIsKilledMidUpdate() throws {
        let capacity = 64, roomCapacity = 4
        var abandonedSeen = 0
        for round in 0..<40 {
            let region = try makeRegion(connections: capacity, workers: 2, rooms: roomCapacity)
            defer { dispose(region) }
            let table = region.connections, rooms = region.rooms, processes = region.processes
            if let h = table.insert(worker: 1, fd: 0, nowMs: 0) { table.setRoom(h, 1); table.remove(h) }
            let survivor = try #require(table.insert(worker: 1, fd: 77, nowMs: 0))
            table.setRoom(survivor, 2)

            fflush(nil)
            let base = region.mutablePointer
            let pid = fork()
            if pid == 0 {
                var random = TestRandom(state: UInt64(round + 1) &* 0x2545_F491_4F6C_DD1D)
                var held: [ConnectionHandle] = []
                held.reserveCapacity(capacity)
                var k: Int32 = 0
                while true {
                    if held.count < 40, let h = table.insert(worker: 0, fd: k, nowMs: 0) {
                        table.setRoom(h, random.next(roomCapacity))
                        held.append(h)
                    } else if !held.isEmpty {
                        let h = held.remove(at: random.next(held.count))
                        table.setUser(h, 5)
                        table.remove(h)
                    }
                    // Straight to C, so that most of the time goes to write sections and a kill
                    // often lands inside one.
                    if let h = held.last {
                        for n in 0..<64 { cr_conn_set_user(base, UInt32(h.index), UInt64(n)) }
                    }
                    if k == 1000 { processes.addGlobal(0, 1) }
                    k &+= 1
                }
            }
            while processes.getGlobal(0) == 0 { usleep(100) }
            usleep(UInt32(100 + 97 * (round % 20)))
            kill(pid, SIGKILL)
            #expect(waitForExit(pid, timeoutMs: 10_000) == 128 + SIGKILL)

            // cr_conn_read directly: it tells a row left busy (-1) from a free one, which snapshot hides.
            var scratch = cr_conn_snapshot()
            for index in 0..<table.highWater where cr_conn_read(region.pointer, UInt32(index), &scratch) == -1 {
                abandonedSeen += 1
            }
            table.reclaim(worker: 0)
            var stuck = 0
            for index in 0..<capacity where cr_conn_read(region.pointer, UInt32(index), &scratch) == -1 { stuck += 1 }
            #expect(stuck == 0, "no row is left busy")
            var others: [ConnectionRow] = []
            table.forEachLive { others.append($0) }
            #expect(others.map(\.handle) == [survivor], "only the other worker's row is left")
            for room in 1..<roomCapacity {
                #expect(rooms.members(room: room, onWorker: 0) == 0)
                #expect(rooms.members(room: room) == (room == 2 ? 1 : 0))
            }
            #expect(table.count <= 2)
            var fresh = Set<Int>()
            while let h = table.insert(worker: 1, fd: 1, nowMs: 0) { fresh.insert(h.index) }
            #expect(fresh.count >= capacity - 2, "at most one row lost to the kill")
            #expect(!fresh.contains(survivor.index))
        }
        // Not an assertion (a kill may land outside every write), only evidence the busy path ran.
        print("rows left busy by killed workers across rounds: \(abandonedSeen)")
    }
}
