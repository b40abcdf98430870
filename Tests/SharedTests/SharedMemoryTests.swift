import Glibc
import Testing
@testable import Shared

/// A fresh region under a unique name; unlinked (and unmapped) by the caller's `defer`.
func makeRegion(connections: Int = 8, workers: Int = 4, taskWorkers: Int = 2, rooms: Int = 8,
                host: String = "127.0.0.1", port: UInt16 = 5200) throws -> SharedRegion {
    let layout = try SharedLayout(connectionCapacity: connections, workerSlots: workers,
                                  taskWorkerSlots: taskWorkers, roomCapacity: rooms)
    return try SharedRegion.create(name: uniqueRegionName(), layout: layout, masterPid: getpid(), host: host,
                                   port: port, startedAtMs: 1_700_000_000_000)
}

func uniqueRegionName() -> String {
    "/chatroom-test-\(getpid())-\(UInt64.random(in: 1...UInt64.max))"
}

func dispose(_ region: SharedRegion) {
    region.unlink()
    region.close()
}

@Suite("Shared memory: layout and region")
struct SharedRegionTests {
    @Test func layoutRejectsOutOfRangeCapacities() {
        #expect(throws: SharedMemoryError.self) {
            try SharedLayout(connectionCapacity: 0, workerSlots: 1, taskWorkerSlots: 1, roomCapacity: 2)
        }
        #expect(throws: SharedMemoryError.self) {
            try SharedLayout(connectionCapacity: 10, workerSlots: 0, taskWorkerSlots: 1, roomCapacity: 2)
        }
        #expect(throws: SharedMemoryError.self) {
            try SharedLayout(connectionCapacity: 10, workerSlots: 257, taskWorkerSlots: 1, roomCapacity: 2)
        }
        #expect(throws: SharedMemoryError.self) {
            try SharedLayout(connectionCapacity: 10, workerSlots: 1, taskWorkerSlots: -1, roomCapacity: 2)
        }
        #expect(throws: SharedMemoryError.self) {
            try SharedLayout(connectionCapacity: 10, workerSlots: 1, taskWorkerSlots: 1, roomCapacity: 1)
        }
        #expect(throws: SharedMemoryError.self) {
            try SharedLayout(connectionCapacity: SharedLayout.maxConnections + 1, workerSlots: 1, taskWorkerSlots: 1,
                             roomCapacity: 2)
        }
        #expect(throws: Never.self) {
            try SharedLayout(connectionCapacity: 1, workerSlots: 256, taskWorkerSlots: 0, roomCapacity: 2)
        }
    }

    @Test func sampleLayoutSize() throws {
        // header 832 + 32 slots × 576 + 1,024 rooms × 128 + 100,000 rows × 64 + 262,144 client-address
        // entries (a power of two ≥ 2 × rows) × 32, rounded up to 4 KiB.
        let layout = try SharedLayout(connectionCapacity: 100_000, workerSlots: 16, taskWorkerSlots: 16,
                                      roomCapacity: 1024)
        #expect(layout.regionSize == 14_942_208)
        let small = try SharedLayout(connectionCapacity: 1, workerSlots: 1, taskWorkerSlots: 0, roomCapacity: 2)
        #expect(small.regionSize == 4096)
    }

    @Test func createThenOpenByNameSeesTheSameRegion() throws {
        let region = try makeRegion(host: "chat.example.org", port: 8080)
        defer { dispose(region) }
        #expect(region.masterPid == getpid())
        #expect(region.host == "chat.example.org")
        #expect(region.port == 8080)
        #expect(region.startedAtMs == 1_700_000_000_000)
        let handle = try #require(region.connections.insert(worker: 1, fd: 7, nowMs: 5))
        region.processes.add(3, 41, kind: .taskWorker, slot: 1)

        let other = try SharedRegion.open(name: region.name!)
        defer { other.close() }
        #expect(other.layout == region.layout)
        #expect(other.host == "chat.example.org")
        #expect(other.connections.snapshot(handle)?.fd == 7)
        other.processes.add(3, 1, kind: .taskWorker, slot: 1)
        #expect(region.processes.get(3, kind: .taskWorker, slot: 1) == 42)

        let readOnly = try SharedRegion.open(name: region.name!, writable: false)
        defer { readOnly.close() }
        #expect(!readOnly.isWritable)
        #expect(readOnly.connections.count == 1)
        #expect(readOnly.processes.get(3, kind: .taskWorker, slot: 1) == 42)
        #expect(readOnly.masterPid == getpid())
    }

    @Test func createReplacesALeftoverObject() throws {
        let name = uniqueRegionName()
        let layout = try SharedLayout(connectionCapacity: 4, workerSlots: 1, taskWorkerSlots: 1, roomCapacity: 2)
        let first = try SharedRegion.create(name: name, layout: layout, masterPid: 1, host: "", port: 1)
        #expect(first.connections.insert(worker: 0, fd: 3, nowMs: 0) != nil)
        first.close()   // the "crashed" master: name left behind
        let second = try SharedRegion.create(name: name, layout: layout, masterPid: 2, host: "", port: 2)
        defer { dispose(second) }
        #expect(second.masterPid == 2)
        #expect(second.connections.count == 0)
    }

    @Test func openRejectsGarbageAndMissingRegions() throws {
        let name = uniqueRegionName()
        let fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0o600)
        try #require(fd >= 0)
        defer { shm_unlink(name) }
        var garbage = [UInt8](repeating: 0, count: 8192)
        for i in garbage.indices { garbage[i] = UInt8(truncatingIfNeeded: i &* 131 &+ 7) }
        #expect(write(fd, garbage, garbage.count) == garbage.count)
        close(fd)
        #expect(throws: SharedMemoryError.invalidRegion(name: name)) { try SharedRegion.open(name: name) }

        let empty = uniqueRegionName()
        let emptyFD = shm_open(empty, O_CREAT | O_EXCL | O_RDWR, 0o600)
        try #require(emptyFD >= 0)
        close(emptyFD)
        defer { shm_unlink(empty) }
        #expect(throws: SharedMemoryError.invalidRegion(name: empty)) { try SharedRegion.open(name: empty, writable: false) }

        #expect(throws: SharedMemoryError.self) { try SharedRegion.open(name: uniqueRegionName()) }
        #expect(throws: SharedMemoryError.invalidName("no-slash")) { try SharedRegion.open(name: "no-slash") }
        #expect(throws: SharedMemoryError.invalidName("/a/b")) { try SharedRegion.open(name: "/a/b") }
    }

    @Test func openRejectsARegionWhoseHeaderWasDamaged() throws {
        let region = try makeRegion()
        defer { dispose(region) }
        region.pointer.storeBytes(of: UInt32(99), toByteOffset: 8, as: UInt32.self)   // the version field
        #expect(throws: SharedMemoryError.invalidRegion(name: region.name!)) { try SharedRegion.open(name: region.name!) }
    }

    @Test func regionNameDerivesFromTheAbsolutePidFilePath() {
        let name = SharedRegion.name(forPidFile: "/nonexistent-dir-xyz/chatroom.pid")
        #expect(name == "/chatroom-f0c13df625f4f72c")
        #expect(SharedRegion.name(forPidFile: "/nonexistent-dir-xyz/./x/../chatroom.pid") == name)
        #expect(SharedRegion.name(forPidFile: "//nonexistent-dir-xyz//chatroom.pid") == name)
        #expect(SharedRegion.name(forPidFile: "/nonexistent-dir-xyz/other.pid") != name)

        var buffer = [CChar](repeating: 0, count: 4096)
        let cwd = getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? "/"
        #expect(SharedRegion.name(forPidFile: "run/chatroom.pid")
                == SharedRegion.name(forPidFile: cwd + "/run/chatroom.pid"))
        for pidFile in ["/run/chatroom.pid", "x.pid", "/"] {
            let derived = SharedRegion.name(forPidFile: pidFile)
            #expect(derived.hasPrefix("/chatroom-") && derived.utf8.count == 26)
        }
    }

    @Test func anonymousRegionWorksLikeANamedOne() throws {
        let layout = try SharedLayout(connectionCapacity: 3, workerSlots: 2, taskWorkerSlots: 0, roomCapacity: 4)
        let region = try SharedRegion.createAnonymous(layout: layout, masterPid: 9)
        defer { region.close() }
        #expect(region.name == nil)
        #expect(!region.unlink())
        #expect(region.connections.insert(worker: 1, fd: 1, nowMs: 0) != nil)
        #expect(region.processes.slots(.taskWorker) == 0)
    }

    @Test func closeIsIdempotent() throws {
        let region = try makeRegion()
        region.unlink()
        region.close()
        region.close()
        #expect(!region.isOpen)
    }
}

@Suite("Shared memory: connection table")
struct ConnectionTableTests {
    @Test func insertFindRemoveAndFull() throws {
        let region = try makeRegion(connections: 8)
        defer { dispose(region) }
        let table = region.connections
        var handles: [ConnectionHandle] = []
        var ids = Set<UInt64>()
        for i in 0..<8 {
            let handle = try #require(table.insert(worker: i % 4, fd: Int32(100 + i), state: 2, nowMs: UInt64(i)))
            #expect(handle.index == i, "rows are handed out in index order")
            #expect(ids.insert(handle.connectionId).inserted)
            handles.append(handle)
        }
        #expect(table.count == 8)
        #expect(table.insert(worker: 0, fd: 999, nowMs: 0) == nil, "the 9th insert is refused")
        #expect(table.count == 8)

        let row = try #require(table.snapshot(handles[5]))
        #expect(row.fd == 105 && row.worker == 1 && row.state == 2 && row.openedAtMs == 5)
        #expect(row.userId == 0 && row.roomId == 0 && row.flags == 0 && row.index == 5)

        #expect(table.remove(handles[5]))
        #expect(!table.remove(handles[5]), "a second remove of the same handle is refused")
        #expect(table.snapshot(handles[5]) == nil)
        #expect(table.snapshot(at: 5) == nil)
        #expect(table.count == 7)

        let again = try #require(table.insert(worker: 3, fd: 200, nowMs: 9))
        #expect(again.index == 5, "the freed row is reused")
        #expect(!ids.contains(again.connectionId), "connection ids are never reused")
        #expect(again.connectionId > handles.map(\.connectionId).max()!)
        #expect(table.snapshot(handles[5]) == nil, "the old handle is stale")
        #expect(!table.setUser(handles[5], 77), "updates through a stale handle are refused")
        #expect(table.snapshot(again)?.userId == 0)
        #expect(table.insert(worker: 0, fd: 1, nowMs: 0) == nil)
    }

    @Test func ownerUpdatesAreVisibleInSnapshots() throws {
        let region = try makeRegion()
        defer { dispose(region) }
        let table = region.connections
        let handle = try #require(table.insert(worker: 2, fd: 11, nowMs: 1234))
        #expect(table.setUser(handle, 42))
        #expect(table.setState(handle, 7))
        #expect(table.setFlags(handle, 0b101))
        #expect(table.setRoom(handle, 3))
        let row = try #require(table.snapshot(handle))
        #expect(row.handle == handle)
        #expect(row.userId == 42 && row.roomId == 3 && row.worker == 2 && row.fd == 11)
        #expect(row.state == 7 && row.flags == 0b101 && row.openedAtMs == 1234)
    }

    @Test func highWaterAndForEachLive() throws {
        let region = try makeRegion(connections: 8)
        defer { dispose(region) }
        let table = region.connections
        #expect(table.highWater == 0)
        let handles = (0..<5).compactMap { table.insert(worker: 0, fd: Int32($0), nowMs: 0) }
        #expect(table.highWater == 5)
        table.remove(handles[4])
        table.remove(handles[1])
        #expect(table.highWater == 5, "high water never falls")
        var seen: [Int] = []
        table.forEachLive { seen.append($0.index) }
        #expect(seen == [0, 2, 3])
        _ = table.insert(worker: 0, fd: 9, nowMs: 0)   // takes row 1 (last freed, top of the stack)
        #expect(table.highWater == 5)
        for _ in 0..<4 { _ = table.insert(worker: 0, fd: 9, nowMs: 0) }
        #expect(table.highWater == 8)
        #expect(table.count == 8)
    }

    @Test func transferMovesRoomMembership() throws {
        let region = try makeRegion()
        defer { dispose(region) }
        let handle = try #require(region.connections.insert(worker: 0, fd: 5, nowMs: 0))
        region.connections.setRoom(handle, 2)
        #expect(region.rooms.members(room: 2, onWorker: 0) == 1)
        #expect(region.connections.transfer(handle, toWorker: 3, fd: 17))
        #expect(region.rooms.members(room: 2, onWorker: 0) == 0)
        #expect(region.rooms.members(room: 2, onWorker: 3) == 1)
        #expect(region.rooms.members(room: 2) == 1)
        let row = try #require(region.connections.snapshot(handle))
        #expect(row.worker == 3 && row.fd == 17)
        #expect(region.connections.reclaim(worker: 0) == 0)
        #expect(region.connections.reclaim(worker: 3) == 1)
        #expect(region.rooms.members(room: 2) == 0)
    }
}

@Suite("Shared memory: room table")
struct RoomTableTests {
    @Test func sequencesCountFromOneAndSeedOnlyRaises() throws {
        let region = try makeRegion(rooms: 8)
        defer { dispose(region) }
        let rooms = region.rooms
        #expect(rooms.lastSeq(room: 1) == 0)
        #expect(rooms.nextSeq(room: 1) == 1)
        #expect(rooms.nextSeq(room: 1) == 2)
        #expect(rooms.nextSeq(room: 2) == 1)
        rooms.seed(room: 3, seq: 500)
        #expect(rooms.nextSeq(room: 3) == 501)
        rooms.seed(room: 3, seq: 10)
        #expect(rooms.lastSeq(room: 3) == 501)
        for invalid in [0, 8, 9, -1, Int.max] {
            #expect(rooms.nextSeq(room: invalid) == nil)
            #expect(rooms.lastSeq(room: invalid) == 0)
            rooms.seed(room: invalid, seq: 5)
            #expect(rooms.members(room: invalid) == 0)
            #expect(rooms.workersWithMembers(room: invalid).isEmpty)
        }
        #expect(rooms.nextSeq(room: 7) == 1)
    }

    @Test func memberCountsFollowSetRoomRemoveAndReclaim() throws {
        let region = try makeRegion(connections: 16, workers: 4, rooms: 8)
        defer { dispose(region) }
        let table = region.connections
        let rooms = region.rooms
        let a = try #require(table.insert(worker: 0, fd: 1, nowMs: 0))
        let b = try #require(table.insert(worker: 0, fd: 2, nowMs: 0))
        let c = try #require(table.insert(worker: 2, fd: 3, nowMs: 0))
        let d = try #require(table.insert(worker: 3, fd: 4, nowMs: 0))
        #expect(table.setRoom(a, 1) && table.setRoom(b, 1) && table.setRoom(c, 1) && table.setRoom(d, 2))
        #expect(rooms.members(room: 1) == 3)
        #expect(rooms.members(room: 1, onWorker: 0) == 2)
        #expect(rooms.members(room: 1, onWorker: 2) == 1)
        #expect(rooms.members(room: 1, onWorker: 1) == 0)
        #expect(rooms.members(room: 1, onWorker: 99) == 0)
        #expect(rooms.workersWithMembers(room: 1) == [0, 2])
        #expect(Array(rooms.workersWithMembers(room: 2)) == [3])

        #expect(table.setRoom(a, 1), "joining the room it is in changes nothing")
        #expect(rooms.members(room: 1) == 3)
        #expect(!table.setRoom(a, 8), "room id not below capacity is refused")
        #expect(!table.setRoom(a, -3))
        #expect(table.snapshot(a)?.roomId == 1, "a refused move leaves the connection where it was")

        #expect(table.setRoom(b, 2))
        #expect(rooms.members(room: 1, onWorker: 0) == 1)
        #expect(rooms.members(room: 2) == 2)
        #expect(rooms.workersWithMembers(room: 2) == [0, 3])

        #expect(table.setRoom(c, 0))
        #expect(rooms.members(room: 1) == 1)
        #expect(rooms.workersWithMembers(room: 1) == [0])

        #expect(table.remove(a))
        #expect(rooms.members(room: 1) == 0)
        #expect(rooms.workersWithMembers(room: 1).isEmpty)

        #expect(table.reclaim(worker: 0) == 1)   // b, in room 2
        #expect(table.snapshot(b) == nil)
        #expect(rooms.members(room: 2) == 1)
        #expect(rooms.members(room: 2, onWorker: 0) == 0)
        #expect(table.count == 2)
        #expect(table.reclaim(worker: 3) == 1)
        #expect(rooms.members(room: 2) == 0)
        #expect(table.snapshot(c) != nil, "other workers' rows are untouched")
        #expect(table.reclaim(worker: 2) == 1)
        #expect(table.count == 0)
    }

    @Test func workerSetBasics() {
        var set: WorkerSet = [0, 63, 64, 255]
        #expect(set.count == 4)
        #expect(Array(set) == [0, 63, 64, 255])
        #expect(set.contains(64) && !set.contains(65) && !set.contains(-1) && !set.contains(256))
        set.remove(63)
        set.insert(130)
        #expect(Array(set) == [0, 64, 130, 255])
        #expect(set.description == "[0, 64, 130, 255]")
        #expect(WorkerSet().isEmpty && !set.isEmpty)
    }
}

@Suite("Shared memory: process table")
struct ProcessTableTests {
    @Test func slotsRecordStartsAndExits() throws {
        let region = try makeRegion(workers: 2, taskWorkers: 3)
        defer { dispose(region) }
        let processes = region.processes
        #expect(processes.slots(.worker) == 2 && processes.slots(.taskWorker) == 3)
        #expect(processes.read(kind: .taskWorker, slot: 2) == ProcessSnapshot(pid: 0, generation: 0, startedAtMs: 0, state: 0))
        processes.started(kind: .taskWorker, slot: 2, pid: 4321, nowMs: 99)
        processes.setState(kind: .taskWorker, slot: 2, 2)
        #expect(processes.read(kind: .taskWorker, slot: 2) == ProcessSnapshot(pid: 4321, generation: 1, startedAtMs: 99, state: 2))
        #expect(processes.read(kind: .worker, slot: 0).pid == 0, "kinds have separate slots")
        processes.exited(kind: .taskWorker, slot: 2)
        processes.started(kind: .taskWorker, slot: 2, pid: 4400, nowMs: 120)
        let again = processes.read(kind: .taskWorker, slot: 2)
        #expect(again.pid == 4400 && again.generation == 2 && again.state == 0)
        processes.exited(kind: .taskWorker, slot: 2)
        #expect(processes.read(kind: .taskWorker, slot: 2).pid == 0)
    }

    @Test func countersAndGauges() throws {
        let region = try makeRegion(workers: 2, taskWorkers: 1)
        defer { dispose(region) }
        let processes = region.processes
        processes.add(0, 5, kind: .worker, slot: 0)
        processes.add(0, 7, kind: .worker, slot: 1)
        processes.add(63, 1, kind: .worker, slot: 1)
        #expect(processes.get(0, kind: .worker, slot: 0) == 5)
        #expect(processes.total(0, kind: .worker) == 12)
        #expect(processes.get(0, kind: .taskWorker, slot: 0) == 0)
        processes.add(1, 3, kind: .worker, slot: 0)
        processes.add(1, -5, kind: .worker, slot: 0)
        #expect(Int64(bitPattern: processes.get(1, kind: .worker, slot: 0)) == -2)
        processes.add(1, 2, kind: .worker, slot: 1)
        #expect(processes.total(1, kind: .worker) == 0)
        processes.set(0, 100, kind: .worker, slot: 0)
        #expect(processes.get(0, kind: .worker, slot: 0) == 100)
        processes.resetCounters(kind: .worker, slot: 1)
        #expect(processes.get(0, kind: .worker, slot: 1) == 0 && processes.get(63, kind: .worker, slot: 1) == 0)

        processes.addGlobal(2, 3)
        processes.addGlobal(2, -1)
        #expect(processes.getGlobal(2) == 2)
        processes.setGlobal(2, 9)
        #expect(processes.getGlobal(2) == 9)
        #expect(processes.getGlobal(63) == 0)
    }

    @Test func outOfRangeCounterTraps() async {
        await #expect(processExitsWith: .failure) {
            // A setup failure exits 0, so that only the trap itself can satisfy the expectation.
            guard let layout = try? SharedLayout(connectionCapacity: 2, workerSlots: 1, taskWorkerSlots: 1, roomCapacity: 2),
                  let region = try? SharedRegion.createAnonymous(layout: layout, masterPid: 1) else { exit(0) }
            region.processes.add(ProcessTable.counterCount, 1, kind: .worker, slot: 0)
            exit(0)
        }
    }

    @Test func writingThroughAReadOnlyMappingTraps() async throws {
        let region = try makeRegion()
        defer { dispose(region) }
        let name = region.name!
        await #expect(processExitsWith: .failure) { [name = name as String] in
            guard let readOnly = try? SharedRegion.open(name: name, writable: false) else { exit(0) }
            _ = readOnly.connections.insert(worker: 0, fd: 1, nowMs: 0)
            exit(0)
        }
    }
}
