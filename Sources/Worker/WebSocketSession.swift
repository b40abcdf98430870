import Shared

/// RFC 6455 on an upgraded connection: frames are decoded in place in the receive buffer,
/// unmasked, assembled into messages (UTF-8 checked across fragments, size-limited) and handed to
/// the endpoint; pings are answered; idle clients are pinged and dead ones dropped; the close
/// handshake ends the connection.
final class WebSocketSession: ConnectionHandler {
    private enum State {
        case open
        /// We sent a close frame at this time and wait for the peer's.
        case closing(since: Int64)
        case closed
    }

    private unowned let worker: ReactorWorker
    unowned let connection: Connection
    private let endpoint: WebSocketEndpoint
    private var assembler: WebSocketMessageAssembler
    private var state = State.open
    private var pingSentAt: Int64?
    /// Position in the endpoint's member list, for O(1) removal.
    var memberIndex = -1

    init(worker: ReactorWorker, connection: Connection, endpoint: WebSocketEndpoint) {
        self.worker = worker
        self.connection = connection
        self.endpoint = endpoint
        assembler = WebSocketMessageAssembler(maxMessageSize: worker.configuration.maxMessageSize)
    }

    func open() {
        endpoint.opened(self)
    }

    var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    // MARK: receiving

    func consume(_ bytes: UnsafeMutableRawBufferPointer, on connection: Connection) -> Int {
        var offset = 0
        while offset < bytes.count {
            if case .closed = state { return bytes.count }
            let view = UnsafeMutableRawBufferPointer(rebasing: bytes[offset...])
            switch WebSocketFrameDecoder.decodeHeader(UnsafeRawBufferPointer(view), expectMasked: true) {
            case .needMore:
                return offset
            case .invalid(let code, let reason):
                fail(code, reason)
                return bytes.count
            case .header(let header):
                if let failure = assembler.preflight(header) {
                    fail(failure.code, failure.reason)
                    return bytes.count
                }
                guard view.count >= header.frameLength else { return offset }
                let payload = UnsafeMutableRawBufferPointer(rebasing: view[header.headerLength..<header.frameLength])
                if header.masked { WebSocketMasking.unmask(payload, key: header.maskKey) }
                let event = assembler.feed(header, payload: UnsafeRawBufferPointer(payload))
                offset += header.frameLength
                handle(event)
            }
        }
        return offset
    }

    private func handle(_ event: WebSocketEvent) {
        pingSentAt = nil
        switch event {
        case .message(let kind, let payload):
            guard case .open = state else { return }
            worker.counters.add(.messagesIn, 1)
            endpoint.received(self, kind, payload)
        case .ping(let payload):
            guard case .open = state else { return }
            connection.send(WebSocketFrames.make(.pong, payload))
        case .pong, .continueReading:
            break
        case .close(let code, _):
            switch state {
            case .open:
                // Echo the peer's code (1000 when it gave none), then close our side first, as the
                // server should.
                connection.send(WebSocketFrames.close(code ?? .normal, ""))
                finish()
                connection.closeAfterFlush()
            case .closing:
                finish()
                connection.closeAfterFlush()
            case .closed:
                break
            }
        case .fail(let code, let reason):
            fail(code, reason)
        }
    }

    // MARK: sending and closing

    func send(_ frame: SharedBytes) {
        guard case .open = state else { return }
        connection.send(frame)
    }

    func sendText(_ payload: [UInt8]) {
        send(WebSocketFrames.text(payload))
    }

    /// Starts the closing handshake: close frame now, TCP close when the peer answers (or after 5 s).
    func close(_ code: WebSocketCloseCode, _ reason: String) {
        guard case .open = state else { return }
        connection.send(WebSocketFrames.close(code, reason))
        state = .closing(since: worker.loop.now)
        endpoint.closed(self)
    }

    /// The peer broke the protocol: say why and drop the connection without waiting.
    private func fail(_ code: WebSocketCloseCode, _ reason: String) {
        worker.counters.add(.protocolErrors, 1)
        Log.debug("websocket protocol error", ["conn": connection.id, "code": code, "reason": reason])
        if case .open = state { connection.send(WebSocketFrames.close(code, reason)) }
        finish()
        connection.closeAfterFlush()
    }

    private func finish() {
        let wasOpen: Bool
        if case .open = state { wasOpen = true } else { wasOpen = false }
        // Closed before the endpoint hears of it: an endpoint that reacts by closing the session
        // must not send a second close frame.
        state = .closed
        if wasOpen { endpoint.closed(self) }
    }

    // MARK: lifecycle

    func tick(_ connection: Connection, now: Int64) {
        switch state {
        case .open:
            let configuration = worker.configuration
            if let sent = pingSentAt {
                if now - sent >= configuration.pingTimeout * 1000 {
                    Log.debug("websocket ping timeout", ["conn": connection.id])
                    finish()
                    connection.close(.timeout)
                }
            } else if now - connection.lastReceivedAt >= configuration.pingInterval * 1000 {
                pingSentAt = now
                connection.send(WebSocketFrames.make(.ping, UnsafeRawBufferPointer(start: nil, count: 0)))
            }
        case .closing(let since):
            if now - since >= 5000 { connection.close(.timeout) }
        case .closed:
            break
        }
    }

    func shutdown(_ connection: Connection) {
        close(.goingAway, "server shutting down")
    }

    func connectionClosed(_ connection: Connection) {
        finish()
        worker.counters.add(.webSocketConnections, -1)
    }

    func handOverSnapshot(_ connection: Connection) -> ConnectionSnapshot? {
        // Between messages only: the fragments of an unfinished one are not carried.
        guard case .open = state, !assembler.isAssemblingMessage else { return nil }
        return endpoint.handOverSnapshot(self)
    }
}
