import CShim
import Glibc

public protocol MessageChannelDelegate: AnyObject {
    /// A whole message arrived. `message` is valid only during the call; `fds` now belong to the
    /// delegate (close them or keep them).
    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32])
    /// The other end is gone for good (every process holding it closed it).
    func channelClosed(_ channel: MessageChannel)
}

/// Messages between processes over one end of a SOCK_SEQPACKET socketpair, driven by the event loop.
///
/// Why SEQPACKET: the master keeps both ends of every pair so a respawned child inherits them; a
/// datagram is delivered whole or not at all, so a child that dies mid-send never leaves half a
/// message for its successor. Messages larger than one datagram travel as fragments (first,
/// middle..., last); each sender has its own socket, so fragments of two messages never interleave.
/// A send that would block is queued and retried when the socket is writable: callers never wait.
///
/// A coalescing channel (the links between workers and task workers) holds the small messages of
/// one loop turn and sends them as one `batch` datagram when the turn ends — before the turn's
/// client writes, so a peer worker starts its share of a broadcast no later than before. Under load
/// one turn carries tens of jobs, acks or peer messages: one syscall on each side instead of one
/// per message. With one message in a turn nothing changes on the wire.
public final class MessageChannel: EventHandler, TurnEndHandler {
    /// Payload bytes per datagram: below the default socket buffer, so it works without tuning.
    public static let fragmentSize = 60 * 1024
    /// A peer that does not drain its socket this far behind is considered stuck; later sends fail.
    public static let maxQueuedBytes = 512 << 20

    /// `batch`: whole messages, each as a 32-bit little-endian length and its bytes.
    private enum Kind: UInt8 { case whole = 0, first = 1, middle = 2, last = 3, batch = 4 }

    private struct Pending {
        var datagram: [UInt8]
        var fds: [Int32]
    }

    public let fd: Int32
    public let label: String
    public weak var delegate: MessageChannelDelegate?
    private unowned let loop: EventLoop
    private var queue: [Pending] = []
    private var queueHead = 0
    public private(set) var queuedBytes = 0
    private var writableArmed = false
    private var assembling: [UInt8]?
    private var assemblingFds: [Int32] = []
    private var closed = false
    private var readingStopped = false
    private let coalescing: Bool
    /// This turn's messages not sent yet: the batch datagram being built (kind byte first).
    private var outbox: [UInt8] = []
    private var outboxCount = 0
    private var outboxFlushScheduled = false

    nonisolated(unsafe) private static let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(
        byteCount: fragmentSize + 4096, alignment: 16)

    public init(fd: Int32, label: String, loop: EventLoop, coalescing: Bool = false) {
        self.fd = fd
        self.label = label
        self.loop = loop
        self.coalescing = coalescing
    }

    /// Watches the descriptor; with `reading` false it only sends until `startReading`.
    public func start(reading: Bool = true) throws {
        readingStopped = !reading
        try loop.register(fd, reading ? .readable : [], self)
    }

    /// Reads from now on (after `start(reading: false)` or `stopReading`).
    public func startReading() {
        guard readingStopped, !closed else { return }
        readingStopped = false
        loop.modify(fd, writableArmed ? [.readable, .writable] : .readable)
    }

    /// Stops watching the descriptor (the master keeps its own copy open).
    public func detach() {
        loop.unregister(fd)
        closed = true
    }

    /// Keeps sending what is queued but reads nothing more: unread messages stay in the socket for
    /// whoever holds this end next (a task worker's successor after a reload).
    public func stopReading() {
        guard !readingStopped, !closed else { return }
        readingStopped = true
        loop.modify(fd, writableArmed ? .writable : [])
    }

    public var hasQueuedData: Bool { queueHead < queue.count || outboxCount > 0 }

    // MARK: sending

    /// Sends `header` followed by `body` as one message. Takes ownership of `fds`: they are closed
    /// once sent (the receiver has its own copies by then). Returns false if the peer is stuck.
    @discardableResult
    public func send(header: [UInt8], body: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0),
                     fds: [Int32] = []) -> Bool {
        let total = header.count + body.count
        if coalescing && fds.isEmpty && !closed && total <= MessageChannel.fragmentSize - 5 {
            if outbox.count + 4 + total > MessageChannel.fragmentSize { flushOutbox() }
            return hold(header, body)
        }
        flushOutbox()
        if total <= MessageChannel.fragmentSize && !hasQueuedData && !closed {
            var kind = Kind.whole.rawValue
            let sent: Int = header.withUnsafeBytes { h in
                withUnsafeMutableBytes(of: &kind) { k in
                    var iov = [
                        iovec(iov_base: k.baseAddress, iov_len: 1),
                        iovec(iov_base: UnsafeMutableRawPointer(mutating: h.baseAddress), iov_len: h.count),
                        iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count),
                    ]
                    return fds.withUnsafeBufferPointer { f in
                        cshim_sendmsg_iov(fd, &iov, 3, f.baseAddress, Int32(f.count), Int32(MSG_DONTWAIT))
                    }
                }
            }
            if sent >= 0 {
                for descriptor in fds { FileDescriptor.close(descriptor) }
                return true
            }
            if !Errno.isWouldBlock(errno) && errno != EINTR {
                Log.warn("ipc send failed", ["channel": label, "error": Errno.describe(errno)])
                for descriptor in fds { FileDescriptor.close(descriptor) }
                return false
            }
        }
        var message = header
        message.append(contentsOf: body)
        return enqueue(message, fds: fds)
    }

    /// One small message on a channel's socket from a process that does not run a channel on it
    /// (the master's end record on a hand-over socket): framed as `send` frames it, never blocks.
    @discardableResult
    public static func sendWhole(_ message: [UInt8], on fd: Int32) -> Bool {
        let datagram = [Kind.whole.rawValue] + message
        return datagram.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) } == datagram.count
    }

    @discardableResult
    public func send(_ message: [UInt8], fds: [Int32] = []) -> Bool {
        message.withUnsafeBytes { send(header: [], body: $0, fds: fds) }
    }

    private func hold(_ header: [UInt8], _ body: UnsafeRawBufferPointer) -> Bool {
        guard queuedBytes + outbox.count <= MessageChannel.maxQueuedBytes else {
            Log.error("ipc peer stuck, message dropped", ["channel": label, "queued": queuedBytes])
            return false
        }
        if outbox.isEmpty {
            outbox.reserveCapacity(4096)
            outbox.append(Kind.batch.rawValue)
        }
        var length = UInt32(header.count + body.count).littleEndian
        withUnsafeBytes(of: &length) { outbox.append(contentsOf: $0) }
        outbox.append(contentsOf: header)
        outbox.append(contentsOf: body)
        outboxCount += 1
        if !outboxFlushScheduled {
            outboxFlushScheduled = true
            loop.deferToTurnEnd(self, first: true)
        }
        return true
    }

    public func turnEnded() {
        outboxFlushScheduled = false
        flushOutbox()
    }

    /// Sends what this turn held: one message as it is (`whole`), several as one `batch`, straight
    /// from the buffer (kept for the next turn) unless older datagrams are still waiting.
    private func flushOutbox() {
        guard outboxCount > 0 else { return }
        // [batch][length × 4][message] → [whole][message]: the kind over the length's last byte.
        let start = outboxCount == 1 ? 4 : 0
        if outboxCount == 1 { outbox[4] = Kind.whole.rawValue }
        outboxCount = 0
        defer { outbox.removeAll(keepingCapacity: outbox.capacity <= 4 * MessageChannel.fragmentSize) }
        guard !closed else { return }
        if !hasQueuedData {
            let sent = outbox.withUnsafeBytes { b in
                cshim_send_with_fds(fd, b.baseAddress! + start, b.count - start, nil, 0, Int32(MSG_DONTWAIT))
            }
            if sent >= 0 { return }
            if !Errno.isWouldBlock(errno) && errno != EINTR {
                Log.warn("ipc send failed", ["channel": label, "error": Errno.describe(errno)])
                return
            }
        }
        let datagram = Array(outbox[start...])
        queue.append(Pending(datagram: datagram, fds: []))
        queuedBytes += datagram.count
        flush()
    }

    private func enqueue(_ message: [UInt8], fds: [Int32]) -> Bool {
        guard !closed, queuedBytes + message.count <= MessageChannel.maxQueuedBytes else {
            Log.error("ipc peer stuck, message dropped", ["channel": label, "queued": queuedBytes])
            for descriptor in fds { FileDescriptor.close(descriptor) }
            return false
        }
        if message.count <= MessageChannel.fragmentSize {
            append(Kind.whole, message[...], fds)
        } else {
            var offset = 0
            while offset < message.count {
                let end = min(offset + MessageChannel.fragmentSize, message.count)
                let kind: Kind = offset == 0 ? .first : end == message.count ? .last : .middle
                append(kind, message[offset..<end], offset == 0 ? fds : [])
                offset = end
            }
        }
        flush()
        return true
    }

    private func append(_ kind: Kind, _ payload: ArraySlice<UInt8>, _ fds: [Int32]) {
        var datagram = [UInt8]()
        datagram.reserveCapacity(payload.count + 1)
        datagram.append(kind.rawValue)
        datagram.append(contentsOf: payload)
        queue.append(Pending(datagram: datagram, fds: fds))
        queuedBytes += datagram.count
    }

    /// Sends queued datagrams until the socket is full, then waits for EPOLLOUT.
    private func flush() {
        while queueHead < queue.count {
            let item = queue[queueHead]
            let sent = item.datagram.withUnsafeBytes { d in
                item.fds.withUnsafeBufferPointer { f in
                    cshim_send_with_fds(fd, d.baseAddress, d.count, f.baseAddress, Int32(f.count), Int32(MSG_DONTWAIT))
                }
            }
            if sent < 0 {
                if Errno.isWouldBlock(errno) || errno == EINTR { break }
                Log.warn("ipc send failed", ["channel": label, "error": Errno.describe(errno)])
            }
            for descriptor in item.fds { FileDescriptor.close(descriptor) }
            queuedBytes -= item.datagram.count
            queue[queueHead] = Pending(datagram: [], fds: [])
            queueHead += 1
        }
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: queue.count <= 64)
            queueHead = 0
        } else if queueHead > 1024 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        let wantWritable = hasQueuedData
        if wantWritable != writableArmed && !closed {
            writableArmed = wantWritable
            let reading: IOEvents = readingStopped ? [] : .readable
            loop.modify(fd, wantWritable ? reading.union(.writable) : reading)
        }
    }

    // MARK: receiving

    public func handleEvents(_ events: IOEvents) {
        if events.contains(.writable) { flush() }
        guard !readingStopped else { return }
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) { receive() }
    }

    private func receive() {
        let buffer = MessageChannel.receiveBuffer
        var descriptors = [Int32](repeating: -1, count: 16)
        // Bounded per turn (in messages: a batch datagram holds many) so one busy peer cannot
        // starve the clients of this loop.
        var delivered = 0
        while delivered < 512 {
            var count: Int32 = Int32(descriptors.count)
            var truncated: Int32 = 0
            let n = descriptors.withUnsafeMutableBufferPointer { f in
                cshim_recv_with_fds(fd, buffer.baseAddress, buffer.count, f.baseAddress, &count, Int32(MSG_DONTWAIT), &truncated)
            }
            if n < 0 {
                if Errno.isWouldBlock(errno) || errno == EINTR { return }
                Log.warn("ipc receive failed", ["channel": label, "error": Errno.describe(errno)])
                close()
                return
            }
            if n == 0 {
                close()
                return
            }
            let fds = Array(descriptors[0..<Int(count)])
            if truncated != 0 {
                Log.error("ipc datagram truncated, dropped", ["channel": label, "bytes": n])
                for descriptor in fds { FileDescriptor.close(descriptor) }
                continue
            }
            delivered += max(1, deliver(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), fds))
            // A delegate that stopped reading (a hand-over) leaves the rest for the successor.
            if closed || readingStopped { return }
        }
    }

    /// Hands the datagram's messages to the delegate; returns how many.
    private func deliver(_ datagram: UnsafeRawBufferPointer, _ fds: [Int32]) -> Int {
        guard let kind = Kind(rawValue: datagram[0]) else {
            Log.error("ipc datagram of unknown kind, dropped", ["channel": label, "kind": datagram[0]])
            for descriptor in fds { FileDescriptor.close(descriptor) }
            return 0
        }
        let payload = UnsafeRawBufferPointer(rebasing: datagram[1...])
        switch kind {
        case .whole:
            discardPartialMessage()
            delegate?.channel(self, received: payload, fds: fds)
            return 1
        case .batch:
            discardPartialMessage()
            for descriptor in fds { FileDescriptor.close(descriptor) }
            var offset = 0, count = 0
            while offset + 4 <= payload.count, !closed {
                let length = Int(UInt32(littleEndian: payload.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                offset += 4
                guard length <= payload.count - offset else {
                    Log.error("ipc batch truncated, rest dropped", ["channel": label])
                    break
                }
                delegate?.channel(self, received: UnsafeRawBufferPointer(rebasing: payload[offset..<(offset + length)]), fds: [])
                offset += length
                count += 1
            }
            return count
        case .first:
            discardPartialMessage()
            assembling = Array(payload)
            assemblingFds = fds
            return 0
        case .middle, .last:
            guard assembling != nil else {
                for descriptor in fds { FileDescriptor.close(descriptor) }
                return 0
            }
            assembling!.append(contentsOf: payload)
            assemblingFds += fds
            guard kind == .last else { return 0 }
            let message = assembling!
            let messageFds = assemblingFds
            assembling = nil
            assemblingFds = []
            message.withUnsafeBytes { delegate?.channel(self, received: $0, fds: messageFds) }
            return 1
        }
    }

    /// A sender that died mid-message leaves a partial one; its successor starts a new message.
    private func discardPartialMessage() {
        guard assembling != nil else { return }
        Log.warn("ipc partial message discarded", ["channel": label])
        for descriptor in assemblingFds { FileDescriptor.close(descriptor) }
        assembling = nil
        assemblingFds = []
    }

    private func close() {
        guard !closed else { return }
        closed = true
        loop.unregister(fd)
        delegate?.channelClosed(self)
    }
}
