import Shared

/// HTTP/1.1 on a connection: reads a request head and body (Content-Length or chunked, within the
/// configured limits), hands the complete request to the router, writes the answer, and keeps the
/// connection for the next request or closes it. Requests are answered in order: while one is
/// being answered (perhaps by a task worker), pipelined bytes wait.
final class HTTPSession: ConnectionHandler {
    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkedBody(HTTPChunkedDecoder)
        case answering
        case upgraded
        /// Being passed to another worker with the current request; nothing more is read here.
        case handedOff
    }

    private unowned let worker: ReactorWorker
    private(set) unowned var connection: Connection!
    private var state = State.head
    private var parser = HTTPRequestHeadParser()
    private var limits: HTTPLimits
    private var currentHead: HTTPRequestHead?
    private var body: [UInt8] = []
    private var serial: UInt64 = 0
    /// When the first byte of the current request arrived (request timeout).
    private var requestStartedAt: Int64?
    /// When the connection last became idle between requests (keep-alive timeout).
    private var idleSince: Int64
    /// When the connection was accepted (handshake timeout: the first request head is due by then).
    private let openedAt: Int64
    private var closeAfterResponse = false
    /// When the worker began stopping, for a connection still waiting for its first request.
    private var shutdownAt: Int64?
    /// The request being answered, told if the connection goes away first (a held long-poll).
    private weak var pendingExchange: HTTPExchange?

    /// `served`: a connection adopted from this slot's previous process that has had requests
    /// there (the handshake timeout does not apply to it again).
    init(worker: ReactorWorker, served: Bool = false) {
        self.worker = worker
        serial = served ? 1 : 0
        let configuration = worker.configuration
        limits = HTTPLimits(maxRequestLine: configuration.maxRequestLine, maxHead: configuration.maxRequestHead,
                            maxBody: configuration.maxBodySize)
        idleSince = worker.loop.now
        openedAt = idleSince
    }

    func consume(_ bytes: UnsafeMutableRawBufferPointer, on connection: Connection) -> Int {
        self.connection = connection
        switch state {
        case .answering, .upgraded, .handedOff:
            return 0
        case .head:
            if requestStartedAt == nil { requestStartedAt = worker.loop.now }
            switch parser.parse(UnsafeRawBufferPointer(bytes), limits: limits) {
            case .needMore:
                return 0
            case .failure(let error):
                worker.counters.add(.protocolErrors, 1)
                Log.debug("bad request", ["peer": connection.peer, "status": error.status.code, "reason": error.reason])
                fail(error.status, error.reason)
                return bytes.count
            case .complete(let head, let headLength):
                parser.reset()
                startRequest(head)
                return headLength
            }
        case .fixedBody(let remaining):
            let take = min(remaining, bytes.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            if remaining - take == 0 {
                dispatch()
            } else {
                state = .fixedBody(remaining: remaining - take)
            }
            return take
        case .chunkedBody(var decoder):
            let step = decoder.decode(UnsafeRawBufferPointer(bytes), into: &body)
            switch step {
            case .needMore(let consumed):
                state = .chunkedBody(decoder)
                return consumed
            case .complete(let consumed):
                dispatch()
                return consumed
            case .failure(let error):
                fail(error.status, error.reason)
                return bytes.count
            }
        }
    }

    private func startRequest(_ head: HTTPRequestHead) {
        worker.counters.add(.httpRequests, 1)
        currentHead = head
        body = []
        let maxBody = bodyLimit(for: head)
        if let length = head.contentLength, length > maxBody {
            worker.counters.add(.protocolErrors, 1)
            fail(.payloadTooLarge, "request body too large: \(length) bytes, limit \(maxBody)")
            return
        }
        if head.isChunked {
            state = .chunkedBody(HTTPChunkedDecoder(maxBody: maxBody))
        } else if let length = head.contentLength, length > 0 {
            body.reserveCapacity(length)
            state = .fixedBody(remaining: length)
        } else {
            dispatch()
            return
        }
        if head.expectsContinue {
            connection.send(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
    }

    /// The configured body limit, or a smaller one for the route (Engine.IO polling bodies are held
    /// to the WebSocket message limit, so both transports accept the same packets).
    private func bodyLimit(for head: HTTPRequestHead) -> Int {
        if let engineIO = worker.engineIO?.server(forPath: head.path) { return min(limits.maxBody, engineIO.maxPayload) }
        return limits.maxBody
    }

    private func dispatch() {
        guard let head = currentHead else { return }
        state = .answering
        serial += 1
        let exchange = HTTPExchange(head: head, body: body, session: self, serial: serial)
        pendingExchange = exchange
        body = []
        worker.router.route(exchange)
        if case .answering = state { connection.pauseReading() }
    }

    // MARK: answering

    private func keepAlive(for head: HTTPRequestHead?, close: Bool) -> Bool {
        guard let head else { return false }
        return head.keepAlive && !close && !closeAfterResponse && !worker.stopping
    }

    func finish(serial: UInt64, status: HTTPStatus, contentType: String?, body: [UInt8], headers: HTTPHeaders,
                close: Bool, headOnly: Bool) {
        guard serial == self.serial, case .answering = state, !connection.isClosed else { return }
        let keep = keepAlive(for: currentHead, close: close)
        var extra = worker.standardHeaders
        for field in headers.fields { extra.add(name: field.name, value: field.value) }
        connection.send(HTTPResponse.simple(status: status, contentType: contentType, body: body, keepAlive: keep,
                                            extraHeaders: extra, headOnly: headOnly))
        completed(keepAlive: keep)
    }

    func finishWithFile(serial: UInt64, head responseHead: HTTPResponseHead, fd: Int32, length: Int64, headOnly: Bool) {
        guard serial == self.serial, case .answering = state, !connection.isClosed else {
            FileDescriptor.close(fd)
            return
        }
        let keep = keepAlive(for: currentHead, close: false)
        var response = responseHead
        for field in worker.standardHeaders.fields { response.headers.add(name: field.name, value: field.value) }
        response.headers.replaceOrAdd(name: "Content-Length", value: String(length))
        response.headers.replaceOrAdd(name: "Connection", value: keep ? "keep-alive" : "close")
        connection.send(response.encoded())
        if headOnly {
            FileDescriptor.close(fd)
        } else {
            connection.sendFile(fd, offset: 0, length: length)
        }
        completed(keepAlive: keep)
    }

    private func completed(keepAlive: Bool) {
        currentHead = nil
        requestStartedAt = nil
        idleSince = worker.loop.now
        if keepAlive {
            state = .head
            connection.resumeReading()
        } else {
            connection.closeAfterFlush()
        }
    }

    /// Passes the connection, with the current request, to worker `slot` (see `Connection.handOff`):
    /// the request is sent as bytes that parse back to the same request, followed by whatever the
    /// client pipelined after it.
    func handOff(serial: UInt64, send: @escaping (_ fd: Int32, _ request: [UInt8]) -> Void) {
        guard serial == self.serial, case .answering = state, !connection.isClosed, let head = currentHead else { return }
        state = .handedOff
        let request = head.encodedRequest(body: pendingExchange?.body ?? [])
        connection.handOff { fd, unread in send(fd, request + unread) }
    }

    func upgrade(serial: UInt64, response: [UInt8], endpoint: WebSocketEndpoint, state connectionState: ConnectionState) {
        guard serial == self.serial, case .answering = state, !connection.isClosed else { return }
        state = .upgraded
        connection.send(response)
        let session = WebSocketSession(worker: worker, connection: connection, endpoint: endpoint)
        connection.handler = session
        worker.context.region.connections.setState(connection.row, connectionState.rawValue)
        worker.counters.add(.webSocketConnections, 1)
        session.open()
        connection.resumeReading()
    }

    /// A request that cannot be parsed: answer why, then close (the stream cannot be trusted).
    private func fail(_ status: HTTPStatus, _ reason: String) {
        var json: [UInt8] = Array("{\"error\":".utf8)
        JSONWriter.appendString(reason, into: &json)
        json.append(UInt8(ascii: "}"))
        var extra = worker.standardHeaders
        if status == .uriTooLong || status == .requestHeaderFieldsTooLarge || status == .payloadTooLarge {
            extra.add(name: "X-Error", value: status.reasonPhrase)
        }
        connection.send(HTTPResponse.simple(status: status, contentType: "application/json; charset=utf-8",
                                            body: json, keepAlive: false, extraHeaders: extra))
        state = .answering
        serial += 1
        connection.closeAfterFlush()
    }

    // MARK: lifecycle

    func tick(_ connection: Connection, now: Int64) {
        self.connection = connection
        // A client that connected but did not send its first request head in time (nothing at all:
        // closed silently, like the keep-alive timeout; half a head: 408). The body, an upload that
        // may be slow, is the request timeout's business.
        if serial == 0, case .head = state, now - openedAt >= worker.configuration.handshakeTimeout * 1000 {
            if requestStartedAt == nil { return connection.close(.timeout) }
            return fail(.requestTimeout, "request not received within \(worker.configuration.handshakeTimeout) s")
        }
        switch state {
        case .head where requestStartedAt == nil:
            if let shutdownAt, now - shutdownAt >= HTTPSession.firstRequestGrace { return connection.closeAfterFlush() }
            if now - idleSince >= worker.configuration.keepAliveTimeout * 1000 { connection.close(.timeout) }
        case .head, .fixedBody, .chunkedBody:
            if let started = requestStartedAt, now - started >= worker.configuration.requestTimeout * 1000 {
                fail(.requestTimeout, "request not received within \(worker.configuration.requestTimeout) s")
            }
        case .answering, .upgraded, .handedOff:
            break
        }
    }

    /// A connection accepted just before the stop has a request on its way: closing it now would
    /// reset the client. It gets a moment to send it and is answered with `Connection: close`. An
    /// idle keep-alive connection is closed at once (clients retry on a reused connection).
    static let firstRequestGrace: Int64 = 1000

    func shutdown(_ connection: Connection) {
        self.connection = connection
        closeAfterResponse = true
        if case .head = state, requestStartedAt == nil {
            if serial > 0 {
                connection.closeAfterFlush()
            } else {
                shutdownAt = worker.loop.now
            }
        }
    }

    func connectionClosed(_ connection: Connection) {
        if case .answering = state, let pending = pendingExchange { pending.connectionLost() }
    }

    func handOverSnapshot(_ connection: Connection) -> ConnectionSnapshot? {
        // Between requests: the start of the next one, if any, is still unread bytes (the parser
        // starts over on them in the successor).
        if case .head = state, !closeAfterResponse { return .http(served: serial > 0) }
        return nil
    }
}
