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
    private func pump(_ loop: EventLoop, until done: () -> Bool) {
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
