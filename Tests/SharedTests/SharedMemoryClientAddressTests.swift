import Glibc
import Testing
@testable import Shared

extension ConnectionTable.ClientInsert {
    var handle: ConnectionHandle? {
        if case .inserted(let handle) = self { return handle }
        return nil
    }
}

private func address(_ text: String) -> ClientAddress { ClientAddress(numeric: text)! }

@Suite("Shared memory: connections per client address")
struct SharedMemoryClientAddressTests {
    @Test func theLimitRefusesOneMoreAndAFreedRowLetsOneIn() throws {
        let region = try makeRegion(connections: 16)
        defer { dispose(region) }
        let table = region.connections, counts = region.clientAddresses
        let a = address("192.0.2.1"), b = address("2001:db8::5")
        var held: [ConnectionHandle] = []
        for fd in 0..<3 {
            held.append(try #require(table.insert(worker: fd % 2, fd: Int32(fd), nowMs: 0, client: a, limit: 3).handle))
        }
        #expect(table.insert(worker: 1, fd: 9, nowMs: 0, client: a, limit: 3) == .addressLimit)
        #expect(table.count == 3, "a refused client claims no row")
        #expect(counts.connections(from: a) == 3)
        #expect(table.insert(worker: 0, fd: 9, nowMs: 0, client: b, limit: 3).handle != nil, "another address is not affected")
        #expect(counts.connections(from: b) == 1)
        #expect(counts.addressCount == 2)

        #expect(table.remove(held.removeFirst()))
        #expect(counts.connections(from: a) == 2)
        #expect(!table.remove(ConnectionHandle(index: 0, connectionId: 1)), "a stale handle releases nothing")
        #expect(counts.connections(from: a) == 2)
        #expect(table.insert(worker: 1, fd: 10, nowMs: 0, client: a, limit: 3).handle != nil)
        #expect(counts.connections(from: a) == 3)
    }

    @Test func limitZeroAndNoAddressCountNothingAgainstTheLimit() throws {
        let region = try makeRegion(connections: 16)
        defer { dispose(region) }
        let table = region.connections, counts = region.clientAddresses
        let a = address("192.0.2.1")
        for fd in 0..<5 { #expect(table.insert(worker: 0, fd: Int32(fd), nowMs: 0, client: nil, limit: 1).handle != nil) }
        #expect(counts.addressCount == 0)
        // An adopted socket (limit 0) is counted, so that its row gives one back when it closes.
        for fd in 0..<4 { #expect(table.insert(worker: 0, fd: Int32(fd), nowMs: 0, client: a, limit: 0).handle != nil) }
        #expect(counts.connections(from: a) == 4)
        #expect(table.insert(worker: 0, fd: 9, nowMs: 0, client: a, limit: 4) == .addressLimit)
    }

    @Test func aFullTableGivesTheAddressCountBack() throws {
        let region = try makeRegion(connections: 2)
        defer { dispose(region) }
        let table = region.connections, counts = region.clientAddresses
        let a = address("198.51.100.1")
        #expect(table.insert(worker: 0, fd: 1, nowMs: 0, client: a, limit: 10).handle != nil)
        #expect(table.insert(worker: 0, fd: 2, nowMs: 0, client: a, limit: 10).handle != nil)
        #expect(table.insert(worker: 0, fd: 3, nowMs: 0, client: a, limit: 10) == .tableFull)
        #expect(counts.connections(from: a) == 2)
    }

    @Test func transferKeepsTheCountAndReclaimReleasesIt() throws {
        let region = try makeRegion(connections: 16, workers: 4)
        defer { dispose(region) }
        let table = region.connections, counts = region.clientAddresses
        let a = address("203.0.113.3")
        let first = try #require(table.insert(worker: 0, fd: 5, nowMs: 0, client: a, limit: 2).handle)
        #expect(table.insert(worker: 1, fd: 6, nowMs: 0, client: a, limit: 2).handle != nil)
        #expect(table.transfer(first, toWorker: 2, fd: 7))
        #expect(counts.connections(from: a) == 2, "a row handed to another worker keeps its one count")
        #expect(table.insert(worker: 3, fd: 8, nowMs: 0, client: a, limit: 2) == .addressLimit)
        #expect(table.reclaim(worker: 2) == 1)
        #expect(counts.connections(from: a) == 1, "a dead worker's rows give their counts back")
        #expect(table.reclaim(worker: 1) == 1)
        #expect(counts.connections(from: a) == 0)
        #expect(counts.addressCount == 0)
    }

    /// Addresses come and go for ever: entries whose count fell to 0 are reused, so a table of
    /// 2 × capacity entries serves any number of distinct addresses over time.
    @Test func entriesOfGoneAddressesAreReused() throws {
        let region = try makeRegion(connections: 8)
        defer { dispose(region) }
        let table = region.connections, counts = region.clientAddresses
        #expect(counts.capacity == 16)
        for round in 0..<1000 {
            var held: [ConnectionHandle] = []
            for k in 0..<8 {
                let a = address("10.\(round / 250).\(round % 250).\(k + 1)")
                let inserted = table.insert(worker: 0, fd: Int32(k), nowMs: 0, client: a, limit: 1)
                guard let h = inserted.handle else {
                    Issue.record("round \(round), address \(k): \(inserted)")
                    return
                }
                #expect(table.insert(worker: 0, fd: 9, nowMs: 0, client: a, limit: 1) == .addressLimit)
                held.append(h)
            }
            #expect(counts.addressCount == 8)
            for h in held { table.remove(h) }
        }
        #expect(counts.addressCount == 0)
        #expect(table.count == 0)
    }

    /// Four processes open and close connections from a handful of addresses as fast as they can.
    /// No address may ever be over the limit, and once they are done every count must equal the
    /// rows that still hold that address.
    @Test func severalProcessesNeverExceedTheLimitAndCountsAddUp() throws {
        let workers = 4, limit = 5, iterations = 50_000
        let addresses = (1...6).map { address("192.0.2.\($0)") }
        let region = try makeRegion(connections: 256, workers: workers)
        defer { dispose(region) }
        let table = region.connections, counts = region.clientAddresses, processes = region.processes
        let started = 0
        if let h = table.insert(worker: 0, fd: 0, nowMs: 0, client: addresses[0], limit: limit).handle { table.remove(h) }

        let codes = runChildren(workers) { child in
            processes.addGlobal(started, 1)
            var spins = 0
            while processes.getGlobal(started) < UInt64(workers) {
                spins += 1
                if spins > 50_000_000 { return 10 }
            }
            var random = TestRandom(state: 0x9E37_79B9_7F4A_7C15 &* UInt64(child + 1))
            var held: [ConnectionHandle] = []
            for _ in 0..<iterations {
                if held.count < 20 && random.next(2) == 0 {
                    let a = addresses[random.next(addresses.count)]
                    switch table.insert(worker: child, fd: Int32(child), nowMs: 0, client: a, limit: limit) {
                    case .inserted(let h): held.append(h)
                    case .addressLimit: break
                    case .tableFull: return 20
                    }
                    if counts.connections(from: a) > limit { return 21 }
                } else if !held.isEmpty {
                    let pick = random.next(held.count)
                    guard table.remove(held[pick]) else { return 22 }
                    held.swapAt(pick, held.count - 1)
                    held.removeLast()
                }
            }
            // Worker 3 "dies" holding its rows; the others leave theirs open for the parent to check.
            if child == 3 { kill(getpid(), SIGKILL) }
            return 0
        }
        #expect(codes == [0, 0, 0, 128 + SIGKILL])
        let countsBefore = addresses.reduce(0) { $0 + counts.connections(from: $1) }
        let reclaimed = table.reclaim(worker: 3)
        #expect(reclaimed >= 0)
        // The dead worker's rows give their address counts back, exactly.
        #expect(countsBefore - addresses.reduce(0) { $0 + counts.connections(from: $1) } == reclaimed)

        var liveRows: [ConnectionRow] = []
        table.forEachLive { liveRows.append($0) }
        #expect(liveRows.allSatisfy { $0.worker != 3 })
        // Rows do not say their address, so count what each address should hold from the totals.
        let total = addresses.reduce(0) { $0 + counts.connections(from: $1) }
        #expect(total == liveRows.count, "every open row holds exactly one address count")
        for a in addresses { #expect(counts.connections(from: a) <= limit) }
        for row in liveRows { table.remove(row.handle) }
        for a in addresses { #expect(counts.connections(from: a) == 0, "no count leaked for \(a)") }
        #expect(counts.addressCount == 0)
    }
}
