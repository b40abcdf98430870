import Glibc
import Testing
@testable import Shared

/// Collects what a channel delivers.
private final class Inbox: MessageChannelDelegate {
    var messages: [[UInt8]] = []
    var fdCounts: [Int] = []
    var closed = false

    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        messages.append(Array(message))
        fdCounts.append(fds.count)
        for fd in fds { Glibc.close(fd) }
    }

    func channelClosed(_ channel: MessageChannel) { closed = true }
}

// Serialized: channels share one static receive buffer, as they do in a (single-threaded) worker.
@Suite(.serialized) struct MessageChannelTests {
    func pump(_ loop: EventLoop, until done: () -> Bool) {
        for _ in 0..<2000 where !done() { loop.runOnce(maxWaitMilliseconds: 10) }
    }

    @Test func smallAndFragmentedMessagesArriveWholeAndInOrder() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair(bufferSize: 64 * 1024)
        defer { Glibc.close(a); Glibc.close(b) }
        let sender = MessageChannel(fd: a, label: "a", loop: loop)
        let receiver = MessageChannel(fd: b, label: "b", loop: loop)
        let inbox = Inbox()
        receiver.delegate = inbox
        try sender.start()
        try receiver.start()

        // Larger than one datagram and larger than the socket buffer: fragments and queueing.
        let big = (0..<(MessageChannel.fragmentSize * 5 + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let sizes = [0, 1, 100, MessageChannel.fragmentSize, MessageChannel.fragmentSize + 1]
        var expected: [[UInt8]] = []
        for (i, size) in sizes.enumerated() {
            let message = Array(repeating: UInt8(i), count: size)
            #expect(sender.send(message))
            expected.append(message)
        }
        #expect(sender.send(big))
        expected.append(big)
        #expect(sender.send(header: [9, 9], body: UnsafeRawBufferPointer(start: nil, count: 0)))
        expected.append([9, 9])

        pump(loop) { inbox.messages.count == expected.count }
        #expect(inbox.messages == expected)
        #expect(!sender.hasQueuedData)
    }

    @Test func passesDescriptorsWithTheMessage() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair()
        defer { Glibc.close(a); Glibc.close(b) }
        let sender = MessageChannel(fd: a, label: "a", loop: loop)
        let receiver = MessageChannel(fd: b, label: "b", loop: loop)
        let inbox = Inbox()
        receiver.delegate = inbox
        try receiver.start()
        var pipeEnds: [Int32] = [-1, -1]
        #expect(pipe(&pipeEnds) == 0)
        #expect(sender.send([1, 2, 3], fds: [pipeEnds[0]]))
        Glibc.close(pipeEnds[1])
        pump(loop) { !inbox.messages.isEmpty }
        #expect(inbox.messages == [[1, 2, 3]])
        #expect(inbox.fdCounts == [1])
    }

    @Test func reportsThePeerClosing() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair()
        let receiver = MessageChannel(fd: b, label: "b", loop: loop)
        let inbox = Inbox()
        receiver.delegate = inbox
        try receiver.start()
        Glibc.close(a)
        pump(loop) { inbox.closed }
        #expect(inbox.closed)
        loop.unregister(b)
        Glibc.close(b)
    }
}

/// Counts datagrams on the raw socket, to see what a coalescing channel puts on the wire.
private func datagrams(_ fd: Int32) -> [[UInt8]] {
    var out: [[UInt8]] = []
    var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    while true {
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if n <= 0 { return out }
        out.append(Array(buffer[0..<n]))
    }
}

/// Coalescing channels, in the same serialized suite: they share the static receive buffer too.
extension MessageChannelTests {
    @Test func aMessageSentFromOutsideAChannelArrivesWhole() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair()
        defer { Glibc.close(a); Glibc.close(b) }
        let receiver = MessageChannel(fd: b, label: "b", loop: loop)
        let inbox = Inbox()
        receiver.delegate = inbox
        try receiver.start()
        // The master's end record for a successor whose predecessor died mid hand-over.
        let end = HandOverEnd(id: 0x0102_0304_0506_0708, complete: false)
        #expect(MessageChannel.sendWhole(end.encoded(), on: a))
        pump(loop) { !inbox.messages.isEmpty }
        #expect(inbox.messages == [end.encoded()])
        #expect(inbox.messages.first.flatMap { m in m.withUnsafeBytes { HandOverEnd(decoding: $0) } } == end)
    }

    @Test func oneTurnsMessagesTravelAsOneDatagramAndArriveOneByOne() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair(bufferSize: 256 * 1024)
        defer { Glibc.close(a); Glibc.close(b) }
        let sender = MessageChannel(fd: a, label: "a", loop: loop, coalescing: true)
        try sender.start()
        let messages: [[UInt8]] = [[1], [], [2, 2], Array(repeating: 3, count: 1000)]
        for message in messages { #expect(sender.send(message)) }
        #expect(sender.hasQueuedData)  // held until the turn ends
        #expect(datagrams(b).isEmpty)
        loop.runOnce(maxWaitMilliseconds: 0)
        #expect(!sender.hasQueuedData)
        let wire = datagrams(b)
        #expect(wire.count == 1)

        // The receiving side splits it again, in order.
        let receiver = MessageChannel(fd: b, label: "b", loop: loop)
        let inbox = Inbox()
        receiver.delegate = inbox
        try receiver.start()
        for message in messages { #expect(sender.send(message)) }
        pump(loop) { inbox.messages.count == messages.count }
        #expect(inbox.messages == messages)
    }

    @Test func aSingleMessageInATurnIsSentAsItIs() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair()
        defer { Glibc.close(a); Glibc.close(b) }
        let sender = MessageChannel(fd: a, label: "a", loop: loop, coalescing: true)
        try sender.start()
        #expect(sender.send([7, 8, 9]))
        loop.runOnce(maxWaitMilliseconds: 0)
        #expect(datagrams(b) == [[0, 7, 8, 9]])  // kind `whole`, as a non-coalescing channel sends it
    }

    @Test func descriptorsLargeMessagesAndFullBatchesKeepTheOrder() throws {
        let loop = try EventLoop()
        let (a, b) = try Socket.seqpacketPair(bufferSize: 64 * 1024)
        defer { Glibc.close(a); Glibc.close(b) }
        let sender = MessageChannel(fd: a, label: "a", loop: loop, coalescing: true)
        let receiver = MessageChannel(fd: b, label: "b", loop: loop)
        let inbox = Inbox()
        receiver.delegate = inbox
        try sender.start()
        try receiver.start()
        var pipeEnds: [Int32] = [-1, -1]
        #expect(pipe(&pipeEnds) == 0)
        defer { Glibc.close(pipeEnds[1]) }
        var expected: [[UInt8]] = []
        var expectedFds: [Int] = []
        func send(_ message: [UInt8], fds: [Int32] = []) {
            #expect(sender.send(message, fds: fds))
            expected.append(message)
            expectedFds.append(fds.count)
        }
        send([1])
        send([2], fds: [pipeEnds[0]])  // goes out at once, after the held [1]
        send([3])
        send(Array(repeating: 4, count: MessageChannel.fragmentSize * 3))  // fragments, after [3]
        // More than one batch datagram's worth in one turn.
        for i in 0..<200 { send(Array(repeating: UInt8(i), count: 1000)) }
        pump(loop) { inbox.messages.count == expected.count }
        #expect(inbox.messages == expected)
        #expect(inbox.fdCounts == expectedFds)
        #expect(!sender.hasQueuedData)
    }

    @Test func firstTurnEndWorkRunsBeforeTheRest() throws {
        final class Recorder: TurnEndHandler {
            let action: () -> Void
            init(_ action: @escaping () -> Void) { self.action = action }
            func turnEnded() { action() }
        }
        let loop = try EventLoop()
        var order: [String] = []
        let lateIPC = Recorder { order.append("ipc queued by a client write") }
        loop.deferToTurnEnd(Recorder {
            order.append("client writes")
            loop.deferToTurnEnd(lateIPC, first: true)
        })
        loop.deferToTurnEnd(Recorder { order.append("ipc") }, first: true)
        loop.runOnce(maxWaitMilliseconds: 0)
        #expect(order == ["ipc", "client writes", "ipc queued by a client write"])
    }
}

@Suite struct TaskMessageTests {
    @Test func jobsAndAcksRoundTrip() {
        let messages: [TaskMessage] = [
            .job(id: 0xDEAD_BEEF_0000_0001, kind: .messageReceived, payload: [1, 2, 3]),
            .job(id: 7, kind: .noop, payload: []),
            .ack(id: 42, status: .rejected, payload: Array("why".utf8)),
        ]
        for message in messages {
            let bytes = message.encoded()
            let decoded = bytes.withUnsafeBytes { TaskMessage(decoding: $0) }
            #expect(decoded.map { $0.encoded() } == bytes)
        }
    }

    @Test func garbageIsRejected() {
        for bytes: [UInt8] in [[], [1], [3, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 0, 250]] {
            #expect(bytes.withUnsafeBytes { TaskMessage(decoding: $0) } == nil)
        }
    }

    @Test func byteReaderStopsAtTheEnd() {
        var w = ByteWriter()
        w.u16(0xABCD)
        w.string("héllo")
        w.i64(-5)
        w.bool(true)
        let bytes = w.bytes
        bytes.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            #expect(r.u16() == 0xABCD)
            #expect(r.string() == "héllo")
            #expect(r.i64() == -5)
            #expect(r.bool() == true)
            #expect(r.u8() == nil)
        }
    }
}

@Suite struct TimerTests {
    @Test func timersFireInDeadlineOrderAndCancelledOnesDoNot() {
        var queue = TimerQueue()
        var fired: [Int] = []
        _ = queue.schedule(at: 30, interval: nil) { fired.append(3) }
        let cancelled = queue.schedule(at: 10, interval: nil) { fired.append(99) }
        _ = queue.schedule(at: 20, interval: nil) { fired.append(2) }
        _ = queue.schedule(at: 5, interval: nil) { fired.append(1) }
        queue.cancel(cancelled)
        #expect(queue.nextDeadline() == 5)
        for action in queue.takeDue(now: 25) { action() }
        #expect(fired == [1, 2])
        for action in queue.takeDue(now: 100) { action() }
        #expect(fired == [1, 2, 3])
        #expect(queue.isEmpty)
    }

    @Test func repeatingTimerReschedules() {
        var queue = TimerQueue()
        var count = 0
        let id = queue.schedule(at: 10, interval: 10) { count += 1 }
        for now in [10, 20, 30] as [Int64] { for action in queue.takeDue(now: now) { action() } }
        #expect(count == 3)
        queue.cancel(id)
        for action in queue.takeDue(now: 1000) { action() }
        #expect(count == 3)
        #expect(queue.isEmpty)
    }

    @Test func eventLoopRunsScheduledWork() throws {
        let loop = try EventLoop()
        var ran = false
        _ = loop.schedule(after: 1) { ran = true; loop.stop() }
        loop.run()
        #expect(ran)
    }
}
