import Glibc
import Shared

/// Owns the epoll loop and the connections: opens them at most `--max-pending` at a time, runs the
/// loop for a phase, closes them. Scenarios plug in through the hooks.
final class BenchRunner: BenchClientDelegate {
    let options: BenchOptions
    let loop: EventLoop
    private(set) var clients: [BenchClient] = []
    private var address = sockaddr_in()
    private var nextToStart = 0
    private var inSetup = 0

    private(set) var established = 0
    private(set) var failed = 0
    /// Connections lost after setup, and closes answered by the server.
    private(set) var dropped = 0
    private(set) var cleanCloses = 0
    private(set) var errorKinds: [String: Int] = [:]
    private(set) var firstError: String?
    private(set) var handshake = Histogram()
    private(set) var readyLatency = Histogram()
    private var closing = false

    /// Per connection: its request path, Socket.IO joins and whether to wait for a first message.
    var path: (Int) -> String
    var configure: (BenchClient) -> Void = { _ in }
    var onMessage: (BenchClient, UnsafeRawBufferPointer, Int64) -> Void = { _, _, _ in }

    init(options: BenchOptions) throws {
        self.options = options
        loop = try EventLoop()
        let path = options.resolvedPath
        self.path = { _ in path }
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = options.port.bigEndian
        let host = options.host == "localhost" ? "127.0.0.1" : options.host
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw SystemError("inet_pton", code: EINVAL) }
        FileDescriptor.raiseOpenLimit()
    }

    var readyClients: [BenchClient] { clients.filter { $0.state == .ready } }

    /// Opens `count` connections; returns the seconds setup took.
    func setup(count: Int, timeout: Double = 60) -> Double {
        let started = nowMicros()
        clients.reserveCapacity(count)
        for i in 0..<count {
            let client = BenchClient(id: i, host: options.host, port: options.port, path: path(i),
                                     sio: options.usesSocketIO, loop: loop, delegate: self)
            configure(client)
            clients.append(client)
        }
        startMore()
        let deadline = started + Int64(timeout * 1e6)
        var lastProgress = started
        while established + failed < count && nowMicros() < deadline {
            loop.runOnce(maxWaitMilliseconds: 100)
            if !options.quiet && nowMicros() - lastProgress >= 1_000_000 {
                lastProgress = nowMicros()
                progress("setup: \(established) established, \(failed) failed of \(count)")
            }
        }
        for client in clients where client.state != .ready && client.state != .closed {
            client.finishClose(notify: false)
            failed += 1
            noteError("timeout", "setup timed out")
        }
        return Double(nowMicros() - started) / 1e6
    }

    private func startMore() {
        while inSetup < options.maxPending && nextToStart < clients.count {
            inSetup += 1
            clients[nextToStart].start(address: address)
            nextToStart += 1
        }
    }

    /// Runs the loop for `seconds`, or until `done` says so; `progress` is printed once a second.
    func run(seconds: Double, done: () -> Bool = { false }, status: (() -> String)? = nil) {
        let end = nowMicros() + Int64(seconds * 1e6)
        var lastProgress = nowMicros()
        while nowMicros() < end && !done() {
            loop.runOnce(maxWaitMilliseconds: Int32(clamping: max(1, (end - nowMicros()) / 1000)))
            if let status, !options.quiet, nowMicros() - lastProgress >= 1_000_000 {
                lastProgress = nowMicros()
                progress(status())
            }
        }
    }

    /// Closes every connection: a close frame, up to `wait` seconds for the answers, then the sockets.
    func closeAll(wait: Double = 2) {
        closing = true
        for client in clients { client.beginClose() }
        run(seconds: wait, done: { clients.allSatisfy { $0.state == .closed } })
        for client in clients { client.finishClose(notify: false) }
    }

    func progress(_ text: String) {
        _ = FileDescriptor.writeAll(2, "chatroom-bench: \(text)\n")
    }

    private func noteError(_ kind: String, _ reason: String) {
        errorKinds[kind, default: 0] += 1
        if firstError == nil { firstError = reason }
    }

    // MARK: BenchClientDelegate

    func clientReady(_ client: BenchClient) {
        established += 1
        inSetup -= 1
        handshake.record(client.handshakeAt - client.startedAt)
        readyLatency.record(nowMicros() - client.startedAt)
        startMore()
    }

    func clientMessage(_ client: BenchClient, _ payload: UnsafeRawBufferPointer, now: Int64) {
        onMessage(client, payload, now)
    }

    func clientFailed(_ client: BenchClient, _ reason: String) {
        let kind = reason.split(separator: ":").first.map(String.init) ?? "io"
        if !client.isEstablished {
            failed += 1
            inSetup -= 1
            noteError(kind, reason)
            startMore()
        } else if !closing {
            dropped += 1
            noteError(kind, reason)
        }
    }

    func clientClosed(_ client: BenchClient) {
        cleanCloses += 1
    }
}
