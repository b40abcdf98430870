import CShim
import Glibc
import Shared

/// What a `BenchClient` reports to the scenario that runs it.
protocol BenchClientDelegate: AnyObject {
    /// Handshake done (and, for Socket.IO, connected, joined and the first message seen).
    func clientReady(_ client: BenchClient)
    /// A data message once ready: a text frame, or a Socket.IO event/ack packet. `now` in µs.
    func clientMessage(_ client: BenchClient, _ payload: UnsafeRawBufferPointer, now: Int64)
    func clientFailed(_ client: BenchClient, _ reason: String)
    func clientClosed(_ client: BenchClient)
}

/// One non-blocking WebSocket client connection on the shared epoll loop: TCP connect, the
/// upgrade, optionally the Engine.IO 4 / Socket.IO connect and room joins, then frames.
final class BenchClient: EventHandler {
    enum State { case connecting, handshaking, sioOpen, sioConnect, waitingFirst, ready, closing, closed }

    let id: Int
    private(set) var state = State.connecting
    private(set) var fd: Int32 = -1
    private let loop: EventLoop
    private unowned let delegate: BenchClientDelegate
    private let sio: Bool
    private let request: [UInt8]
    private let expectedAccept: String
    /// Sent once connected (Socket.IO) or right after the handshake (plain); with `waitFirst` the
    /// client is ready only after the first data message that follows.
    var joinFrames: [String] = []
    var waitFirst = false

    private(set) var startedAt: Int64 = 0
    private(set) var handshakeAt: Int64 = 0
    /// Reached `ready` once (a failure after that is a drop, not a setup failure).
    private(set) var isEstablished = false
    private var inbound: [UInt8] = []
    private var outbound: [UInt8] = []
    private var fragments: [UInt8]?
    private var wantsWrite = false
    private var random = FastRandom()

    /// Scenario bookkeeping: the timestamps of this sender's messages still in flight.
    var inFlight: [Int64] = []
    var room = 1

    nonisolated(unsafe) private static var sendScratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    nonisolated(unsafe) private static var scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)

    init(id: Int, host: String, port: UInt16, path: String, sio: Bool, loop: EventLoop, delegate: BenchClientDelegate) {
        self.id = id
        self.loop = loop
        self.delegate = delegate
        self.sio = sio
        let key = WebSocketHandshake.generateClientKey()
        request = WebSocketHandshake.clientRequest(host: "\(host):\(port)", path: path, key: key)
        expectedAccept = WebSocketHandshake.acceptKey(for: key)
    }

    /// Starts the TCP connect; the result arrives through the delegate.
    func start(address: sockaddr_in) {
        startedAt = nowMicros()
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return fail("socket: errno \(errno)") }
        Socket.setNoDelay(fd)
        var addr = address
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 || errno == EINPROGRESS else { return fail("connect: errno \(errno)") }
        do { try loop.register(fd, [.writable], self) } catch { return fail("epoll: \(error)") }
        wantsWrite = true
    }

    func handleEvents(_ events: IOEvents) {
        if state == .connecting {
            guard events.contains(.writable) || events.contains(.error) || events.contains(.hangup) else { return }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { return fail("connect: errno \(error)") }
            state = .handshaking
            queue(request)
            return
        }
        if events.contains(.readable) || events.contains(.hangup) || events.contains(.error) { readAvailable() }
        if state != .closed && events.contains(.writable) { flush() }
    }

    // MARK: sending

    func sendText(_ text: String) {
        var text = text
        let frame = text.withUTF8 {
            WebSocketFrameEncoder.encodeFrame(opcode: .text, payload: UnsafeRawBufferPointer($0), maskKey: UInt32(truncatingIfNeeded: random.next()))
        }
        queue(frame)
    }

    /// `prefix` + decimal `ts` + `suffix` as one masked text frame, built in a reused buffer: the
    /// send path of every timestamped message, without a String or an array per message.
    func sendStamped(_ prefix: [UInt8], _ ts: Int64, _ suffix: [UInt8]) {
        let value = UInt64(max(0, ts))
        var length = 1
        var rest = value / 10
        while rest > 0 { length += 1; rest /= 10 }
        let payloadLength = prefix.count + length + suffix.count
        let key = UInt32(truncatingIfNeeded: random.next())
        let header = WebSocketFrameEncoder.headerLength(payloadLength: payloadLength, masked: true)
        let frame = BenchClient.sendScratch
        guard header + payloadLength <= frame.count else {
            return sendText(String(decoding: prefix, as: UTF8.self) + String(ts) + String(decoding: suffix, as: UTF8.self))
        }
        WebSocketFrameEncoder.writeHeader(into: frame, opcode: .text, payloadLength: payloadLength, maskKey: key)
        var offset = header
        if !prefix.isEmpty { prefix.withUnsafeBytes { frame.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        offset += prefix.count
        var remaining = value
        for i in stride(from: offset + length - 1, through: offset, by: -1) {
            frame[i] = UInt8(48 + remaining % 10)
            remaining /= 10
        }
        offset += length
        if !suffix.isEmpty { suffix.withUnsafeBytes { frame.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        offset += suffix.count
        WebSocketMasking.mask(UnsafeMutableRawBufferPointer(rebasing: frame[header..<offset]), key: key)
        queue(UnsafeRawBufferPointer(rebasing: frame[0..<offset]))
    }

    private func sendControl(_ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) {
        queue(WebSocketFrameEncoder.encodeFrame(opcode: opcode, payload: payload, maskKey: UInt32(truncatingIfNeeded: random.next())))
    }

    /// Bytes waiting for the socket (a slow server shows up here).
    var queuedBytes: Int { outbound.count }

    private func queue(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { queue($0) }
    }

    private func queue(_ bytes: UnsafeRawBufferPointer) {
        guard state != .closed else { return }
        if outbound.isEmpty {
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n == bytes.count { return }
            if n < 0 && errno != EAGAIN { return fail("send: errno \(errno)") }
            outbound.append(contentsOf: bytes[max(0, n)...])
        } else {
            outbound.append(contentsOf: bytes)
        }
        setWriteInterest(true)
    }

    private func flush() {
        while !outbound.isEmpty {
            let n = outbound.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EAGAIN { return }
                return fail("send: errno \(errno)")
            }
            outbound.removeFirst(n)
        }
        setWriteInterest(false)
    }

    private func setWriteInterest(_ on: Bool) {
        guard on != wantsWrite, fd >= 0 else { return }
        wantsWrite = on
        loop.modify(fd, on ? [.readable, .writable] : [.readable])
    }

    // MARK: receiving

    private func readAvailable() {
        let scratch = BenchClient.scratch
        while state != .closed {
            let n = recv(fd, scratch.baseAddress, scratch.count, 0)
            if n < 0 {
                if errno == EAGAIN || errno == EINTR { return }
                return state == .closing ? finishClose() : fail("recv: errno \(errno)")
            }
            if n == 0 { return state == .closing ? finishClose() : fail("server closed the connection") }
            if inbound.isEmpty {
                let used = process(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                if used < n && state != .closed { inbound.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[used..<n])) }
            } else {
                var pending = inbound
                inbound = []
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
                let used = pending.withUnsafeBytes { process($0) }
                if state != .closed && used < pending.count { inbound = Array(pending[used...]) }
            }
            if n < scratch.count { return }
        }
    }

    /// Consumes what it can of `bytes`; returns how many bytes it used.
    private func process(_ bytes: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        if state == .handshaking {
            guard let end = headEnd(bytes) else { return 0 }
            guard checkHandshake(UnsafeRawBufferPointer(rebasing: bytes[0..<end])) else { return bytes.count }
            offset = end
            handshakeAt = nowMicros()
            if sio { state = .sioOpen } else { joined() }
        }
        while offset < bytes.count && state != .closed {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch WebSocketFrameDecoder.decodeHeader(rest, expectMasked: false) {
            case .needMore:
                return offset
            case .invalid(_, let reason):
                fail("protocol: \(reason)")
                return bytes.count
            case .header(let header):
                guard header.frameLength <= rest.count else { return offset }
                frame(header, UnsafeRawBufferPointer(rebasing: rest[header.headerLength..<header.frameLength]))
                offset += header.frameLength
            }
        }
        return offset
    }

    private func headEnd(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13 {
            return i + 1
        }
        if bytes.count > 16384 { fail("handshake: response head too long") }
        return nil
    }

    private func checkHandshake(_ head: UnsafeRawBufferPointer) -> Bool {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n")
        guard let status = lines.first, status.hasPrefix("HTTP/1.1 101") else {
            fail("handshake: \(lines.first ?? "")")
            return false
        }
        let accepted = lines.contains { line in
            guard let colon = line.firstIndex(of: ":") else { return false }
            return line[..<colon].lowercased() == "sec-websocket-accept"
                && line[line.index(after: colon)...].trimmingCharacters(in: " ") == expectedAccept
        }
        guard accepted else {
            fail("handshake: bad Sec-WebSocket-Accept")
            return false
        }
        return true
    }

    private func frame(_ header: WebSocketFrameHeader, _ payload: UnsafeRawBufferPointer) {
        switch header.opcode {
        case .ping: sendControl(.pong, payload)
        case .pong: break
        case .close:
            if state == .closing { return finishClose() }
            sendControl(.close, payload)
            fail("server sent close")
        case .text, .binary, .continuation:
            if header.fin && fragments == nil { return message(payload) }
            fragments = (fragments ?? []) + Array(payload)
            if header.fin, let whole = fragments {
                fragments = nil
                whole.withUnsafeBytes { message($0) }
            }
        }
    }

    private func message(_ payload: UnsafeRawBufferPointer) {
        if sio {
            guard let first = payload.first else { return }
            switch first {
            case UInt8(ascii: "0"):
                if state == .sioOpen { state = .sioConnect; sendText("40") }
                return
            case UInt8(ascii: "2"):
                var pong: [UInt8] = [UInt8(ascii: "3")]
                pong.append(contentsOf: payload.dropFirst())
                queue(WebSocketFrameEncoder.encodeFrame(opcode: .text, payload: pong, maskKey: UInt32(truncatingIfNeeded: random.next())))
                return
            case UInt8(ascii: "4"):
                let kind = payload.count > 1 ? payload[1] : 0
                if kind == UInt8(ascii: "0") {
                    if state == .sioConnect { joined() }
                    return
                }
                if kind == UInt8(ascii: "4") || kind == UInt8(ascii: "1") {
                    return fail("socket.io: \(String(decoding: payload.prefix(200), as: UTF8.self))")
                }
                guard kind == UInt8(ascii: "2") || kind == UInt8(ascii: "3") else { return }
            case UInt8(ascii: "1"):
                return fail("engine.io close")
            default:
                return
            }
        }
        switch state {
        case .ready, .closing: delegate.clientMessage(self, payload, now: nowMicros())
        case .waitingFirst: becomeReady()
        default: break
        }
    }

    private func joined() {
        for frame in joinFrames { sendText(frame) }
        if waitFirst && !joinFrames.isEmpty {
            state = .waitingFirst
        } else {
            becomeReady()
        }
    }

    private func becomeReady() {
        state = .ready
        isEstablished = true
        delegate.clientReady(self)
    }

    // MARK: closing

    /// Close politely: Socket.IO disconnect, then a close frame; the socket closes on the reply.
    func beginClose() {
        guard state != .closed, state != .closing else { return }
        guard state == .ready || state == .waitingFirst else { return finishClose(notify: false) }
        if sio { sendText("41") }
        var code = UInt16(1000).bigEndian
        withUnsafeBytes(of: &code) { sendControl(.close, $0) }
        state = .closing
    }

    /// Closes the socket at once.
    func finishClose(notify: Bool = true) {
        guard let wasClosing = tearDown() else { return }
        if notify && wasClosing { delegate.clientClosed(self) }
    }

    private func fail(_ reason: String) {
        guard let wasClosing = tearDown() else { return }
        if wasClosing { delegate.clientClosed(self) } else { delegate.clientFailed(self, reason) }
    }

    /// Closes the socket and forgets what was queued; whether a close handshake was under way, or
    /// nil when the client was already closed.
    private func tearDown() -> Bool? {
        guard state != .closed else { return nil }
        let wasClosing = state == .closing
        state = .closed
        if fd >= 0 {
            loop.unregister(fd)
            FileDescriptor.close(fd)
            fd = -1
        }
        outbound = []
        return wasClosing
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
