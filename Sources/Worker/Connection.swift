import Glibc
import Shared

/// One client socket: reads into the worker's shared receive buffer and hands bytes to its
/// `ConnectionHandler`; queues output and writes it once per loop turn (`writev`), waiting for
/// EPOLLOUT only when the socket is full. Bytes a handler could not use yet (a partial frame) are
/// the only per-connection input storage, so an idle connection costs a few hundred bytes.
final class Connection: EventHandler, TurnEndHandler {
    let fd: Int32
    let id: UInt64
    let row: ConnectionHandle
    let peer: SocketAddress
    /// `unowned(unsafe)`: the worker lives as long as its process, and a checked `unowned` costs an
    /// atomic retain/release on every delivery (measured: ~2% of a broadcasting worker's CPU).
    unowned(unsafe) let worker: ReactorWorker
    var handler: ConnectionHandler
    /// Copied from the worker: read on every send.
    private unowned(unsafe) let loop: EventLoop
    private let maxOutputBuffer: Int

    private var input: [UInt8] = []
    // Touched for every delivery. Swift's dynamic exclusivity checks on these cost ~80 instructions
    // per access, a third of a delivery's user-space instructions (callgrind); the worker is one
    // thread and none of these is passed `inout` across a call that could reach it again.
    @exclusivity(unchecked) private var output = OutboundQueue()
    @exclusivity(unchecked) private var flushScheduled = false
    @exclusivity(unchecked) private var waitingForWritable = false
    private var readingPaused = false
    private var closeWhenFlushed = false
    /// After our last response we half-close and drain the client's leftovers until this time, so
    /// the kernel does not answer them with a reset that would destroy the response in flight.
    private var lingerUntil: Int64?
    /// Set while the connection waits for its output to drain before it is passed to another worker.
    private var handOffCompletion: ((_ fd: Int32, _ unreadInput: [UInt8]) -> Void)?
    @exclusivity(unchecked) private(set) var isClosed = false
    /// Monotonic ms of the last bytes received.
    private(set) var lastReceivedAt: Int64

    init(fd: Int32, row: ConnectionHandle, peer: SocketAddress, worker: ReactorWorker, handler: ConnectionHandler) {
        self.fd = fd
        self.id = row.connectionId
        self.row = row
        self.peer = peer
        self.worker = worker
        self.handler = handler
        self.loop = worker.loop
        self.maxOutputBuffer = worker.maxOutputBuffer
        self.lastReceivedAt = worker.loop.now
    }

    // MARK: reading

    func handleEvents(_ events: IOEvents) {
        if events.contains(.writable) { flush() }
        if isClosed { return }
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) {
            if lingerUntil != nil {
                drainLingering()
            } else if !readingPaused {
                readAvailable()
            } else if events.contains(.hangup) || events.contains(.error) {
                // Reported even while reading is paused (a request answered later, a held long-poll),
                // and level-triggered: the socket is dead, and keeping it would spin the loop.
                close(.peerClosed)
            }
        }
    }

    private func readAvailable() {
        let buffer = worker.receiveBuffer
        // A few reads per wake-up at most: one busy client must not starve the others.
        for _ in 0..<8 {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 {
                lastReceivedAt = loop.now
                worker.counters.add(.bytesIn, Int64(n))
                received(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<n]))
                if isClosed || readingPaused || lingerUntil != nil || n < buffer.count { return }
            } else if n == 0 {
                close(.peerClosed)
                return
            } else {
                if errno == EINTR { continue }
                if !Errno.isWouldBlock(errno) { close(.error(errno)) }
                return
            }
        }
    }

    private func received(_ bytes: UnsafeMutableRawBufferPointer) {
        if input.isEmpty {
            let used = feed(bytes)
            if used < bytes.count && !isClosed && lingerUntil == nil {
                input.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[used...]))
            }
        } else {
            input.append(contentsOf: UnsafeRawBufferPointer(bytes))
            feedBuffered()
        }
    }

    /// Offers the bytes kept from earlier reads to the handler again.
    private func feedBuffered() {
        guard !input.isEmpty else { return }
        var pending = input
        input = []
        let used = pending.withUnsafeMutableBytes { feed($0) }
        if used < pending.count && !isClosed && lingerUntil == nil {
            pending.removeFirst(used)
            input = pending
        }
    }

    /// Lets handlers consume as long as they make progress; a handler switch (upgrade) gets the rest.
    private func feed(_ bytes: UnsafeMutableRawBufferPointer) -> Int {
        var offset = 0
        while offset < bytes.count && !isClosed && !readingPaused && lingerUntil == nil {
            let current = handler
            let used = current.consume(UnsafeMutableRawBufferPointer(rebasing: bytes[offset...]), on: self)
            offset += used
            if used == 0 && current === handler { break }
        }
        return offset
    }

    /// Bytes another worker read from this socket before passing it here (Engine.IO hand-off):
    /// handled exactly as if they had just been read.
    func receivedHandedOff(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, !isClosed else { return }
        input.append(contentsOf: bytes)
        if !readingPaused { feedBuffered() }
    }

    /// Stops reading until `resumeReading` (a request is being answered asynchronously; pipelined
    /// bytes wait in the socket instead of piling up here).
    func pauseReading() {
        guard !readingPaused, !isClosed else { return }
        readingPaused = true
        updateInterest()
    }

    func resumeReading() {
        guard readingPaused, !isClosed else { return }
        readingPaused = false
        updateInterest()
        feedBuffered()
    }

    // MARK: writing

    /// Queues bytes for this client. A client whose queue exceeds the limit is too slow to keep up
    /// and is disconnected rather than allowed to grow the worker's memory.
    func send(_ bytes: SharedBytes) {
        guard !isClosed else { return }
        // What is queued may only be this turn's burst, not yet offered to the socket: write it
        // now before judging the client slow.
        if output.byteCount + bytes.count > maxOutputBuffer, !waitingForWritable {
            flush()
            guard !isClosed else { return }
        }
        if output.byteCount + bytes.count > maxOutputBuffer {
            worker.counters.add(.slowClientsDropped, 1)
            Log.warn("slow client disconnected", ["conn": id, "peer": peer, "queued": output.byteCount])
            close(.slowClient)
            return
        }
        output.append(bytes)
        scheduleFlush()
    }

    func send(_ bytes: [UInt8]) {
        send(SharedBytes(bytes))
    }

    /// Queues a file range; the connection owns `fileFD` from now on.
    func sendFile(_ fileFD: Int32, offset: Int64, length: Int64) {
        guard !isClosed else {
            Glibc.close(fileFD)
            return
        }
        output.appendFile(fileFD, offset: offset, length: length)
        scheduleFlush()
    }

    var queuedBytes: Int { output.byteCount }

    private func scheduleFlush() {
        guard !flushScheduled, !waitingForWritable else { return }
        flushScheduled = true
        loop.deferToTurnEnd(self)
    }

    func turnEnded() {
        flushScheduled = false
        flush()
    }

    private func flush() {
        guard !isClosed else { return }
        let before = output.bytesWritten
        let result = output.write(to: fd)
        worker.counters.add(.bytesOut, Int64(output.bytesWritten - before))
        switch result {
        case .drained:
            if waitingForWritable {
                waitingForWritable = false
                updateInterest()
            }
            if closeWhenFlushed { beginLingeringClose() }
            if handOffCompletion != nil { detachForHandOff() }
        case .blocked:
            if !waitingForWritable {
                waitingForWritable = true
                updateInterest()
            }
        case .failed(let code):
            close(.error(code))
        }
    }

    private func updateInterest() {
        guard !isClosed else { return }
        var interest: IOEvents = []
        if !readingPaused { interest.insert(.readable) }
        if waitingForWritable { interest.insert(.writable) }
        loop.modify(fd, interest)
    }

    // MARK: closing

    enum CloseReason: CustomStringConvertible {
        case peerClosed, done, error(Int32), slowClient, timeout, shutdown, protocolError, handedOff

        var description: String {
            switch self {
            case .peerClosed: return "peer closed"
            case .done: return "done"
            case .error(let code): return Errno.describe(code)
            case .slowClient: return "slow client"
            case .timeout: return "timeout"
            case .shutdown: return "shutdown"
            case .protocolError: return "protocol error"
            case .handedOff: return "handed off"
            }
        }
    }

    /// Closes once everything queued has been written (the last response, a close frame).
    func closeAfterFlush() {
        guard !isClosed, !closeWhenFlushed else { return }
        closeWhenFlushed = true
        if !readingPaused {
            readingPaused = true
            updateInterest()
        }
        if output.isEmpty && !flushScheduled { beginLingeringClose() }
    }

    private func beginLingeringClose() {
        guard lingerUntil == nil, !isClosed else { return }
        shutdown(fd, Int32(SHUT_WR))
        lingerUntil = loop.now + 2000
        readingPaused = false
        input = []
        updateInterest()
        drainLingering()
    }

    private func drainLingering() {
        let buffer = worker.receiveBuffer
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && Errno.isWouldBlock(errno) { return }
            close(.done)
            return
        }
    }

    // MARK: passing to another worker

    /// Leaves this worker without closing the socket: once everything queued has been written (an
    /// earlier keep-alive response may still be on its way), the descriptor is unregistered, the
    /// connection forgotten as if closed, and `completion` gets the descriptor (now its to close, by
    /// sending it away) and the bytes read but not consumed yet (pipelined requests).
    ///
    /// Deferred to the end of the loop turn: the caller is usually a handler running inside `feed`,
    /// and the unconsumed rest of the current read is moved to `input` only after it returns.
    func handOff(_ completion: @escaping (_ fd: Int32, _ unreadInput: [UInt8]) -> Void) {
        guard !isClosed else { return }
        guard !closeWhenFlushed, lingerUntil == nil, handOffCompletion == nil else { return close(.done) }
        handOffCompletion = completion
        if !readingPaused {
            readingPaused = true
            updateInterest()
        }
        scheduleFlush()
    }

    private func detachForHandOff() {
        guard let completion = handOffCompletion, !isClosed else { return }
        handOffCompletion = nil
        isClosed = true
        loop.unregister(fd)
        output.discard()
        let unread = input
        input = []
        handler.connectionClosed(self)
        worker.connectionClosed(self, reason: .handedOff)
        completion(fd, unread)
    }

    // MARK: passing to this worker's successor (reload)

    /// Whether nothing is half done at this level: no close under way, no hand-off to a peer, no
    /// file range waiting to be sent. The handler decides the rest (`ConnectionHandler.handOverSnapshot`).
    var canBeHandedOver: Bool {
        !isClosed && !closeWhenFlushed && lingerUntil == nil && handOffCompletion == nil && !output.hasFiles
    }

    /// The snapshot of this connection for a successor process, if it is at a clean point now.
    var handOverSnapshot: ConnectionSnapshot? {
        canBeHandedOver ? handler.handOverSnapshot(self) : nil
    }

    /// Leaves this process without a sound: unwatched, forgotten by the worker, its handler not
    /// told (the successor carries on with the same protocol state, the shared-table row and the
    /// room membership). Returns the descriptor (to send, then close), the bytes read but not used
    /// and the bytes queued but not written.
    func detachForHandOver() -> (fd: Int32, unread: [UInt8], unsent: [UInt8]) {
        let unsent = output.takeBytes() ?? []
        isClosed = true
        loop.unregister(fd)
        let unread = input
        input = []
        worker.connectionHandedOver(self)
        return (fd, unread, unsent)
    }

    /// A connection adopted from the predecessor: bytes it had queued go out first; the bytes it
    /// had read wait, with reading paused, until `resumeReading` (every connection and session of
    /// the hand-over must be in place before any input is handled).
    func adopt(unsent: [UInt8], unread: [UInt8]) {
        readingPaused = true
        input = unread
        if !unsent.isEmpty { send(unsent) }
    }

    func close(_ reason: CloseReason) {
        guard !isClosed else { return }
        handOffCompletion = nil
        isClosed = true
        loop.unregister(fd)
        Glibc.close(fd)
        output.discard()
        input = []
        handler.connectionClosed(self)
        worker.connectionClosed(self, reason: reason)
    }

    /// The once-a-second sweep.
    func tick(now: Int64) {
        if let lingerUntil {
            if now >= lingerUntil { close(.done) }
            return
        }
        handler.tick(self, now: now)
    }
}
