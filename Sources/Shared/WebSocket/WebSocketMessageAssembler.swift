/// Turns a connection's frames into messages (RFC 6455 section 5.4): one per connection, fed every
/// complete frame in order, with the payload already unmasked.
///
/// Copies happen only for fragmented messages, whose fragments are gathered into an array that is
/// handed over (not copied) when the last one arrives. An unfragmented message, and every control
/// frame, comes back as a view of the caller's own payload. Text is validated as it arrives, so a
/// bad byte fails in the fragment that carries it, and a completed message is never checked twice.
///
/// After `.fail` the assembler is reset; the connection is expected to close.
public struct WebSocketMessageAssembler: Sendable {
    public typealias Failure = (code: WebSocketCloseCode, reason: String)

    /// Largest accepted data message in bytes, fragmented or not (larger fails with 1009).
    public let maxMessageSize: Int

    private var openKind: WebSocketMessageKind?   // set while a fragmented message is open
    private var fragments: [UInt8] = []
    private var utf8 = UTF8Validator()
    // Bytes at the start of the incoming frame's payload already run through `utf8` by
    // `checkPartialPayload`; `feed` continues after them.
    private var validatedPrefix = 0

    public init(maxMessageSize: Int) {
        precondition(maxMessageSize >= 0, "negative message size limit")
        self.maxMessageSize = maxMessageSize
    }

    /// True between the first and the last fragment of a message.
    public var isAssemblingMessage: Bool { openKind != nil }

    /// Bytes of the open fragmented message gathered so far.
    public var bufferedByteCount: Int { fragments.count }

    /// Whether the frame would take its message over `maxMessageSize`, judged from the header
    /// alone so that the caller can fail with 1009 before buffering a huge declared payload.
    public func exceedsLimit(_ header: WebSocketFrameHeader) -> Bool {
        exceedsLimit(opcode: header.opcode, payloadLength: header.payloadLength)
    }

    /// Every failure a header alone can reveal given the frames before it: a continuation with no
    /// open message, a new message inside an open one (both 1002), or an oversize message (1009).
    /// Optional: `feed` checks the same, but calling this right after decoding a header avoids
    /// waiting for (and buffering) a payload that is going to be refused anyway.
    public func preflight(_ header: WebSocketFrameHeader) -> Failure? {
        preflight(opcode: header.opcode, payloadLength: header.payloadLength)
    }

    /// Optional fail-fast for a text frame whose payload is still arriving (one big frame sent in
    /// pieces, Autobahn 6.4.3/6.4.4): pass the unmasked part of the payload received so far, from
    /// its first byte, each time more arrives; then `feed` the complete frame as usual. Bytes
    /// checked here are not checked again. Non-text frames are ignored.
    public mutating func checkPartialPayload(_ header: WebSocketFrameHeader, received: UnsafeRawBufferPointer) -> Failure? {
        if let failure = preflight(header) { return failed(failure) }
        let isText = header.opcode == .text || (header.opcode == .continuation && openKind == .text)
        guard isText, received.count > validatedPrefix else { return nil }
        if header.opcode == .text && validatedPrefix == 0 { utf8.reset() }
        guard utf8.validate(UnsafeRawBufferPointer(rebasing: received[validatedPrefix...])) else {
            return failed((.invalidPayload, "invalid UTF-8 in text message"))
        }
        validatedPrefix = received.count
        return nil
    }

    /// Takes in one complete frame. `payload` is its unmasked payload (`header.payloadLength`
    /// bytes), which the returned event may point into.
    public mutating func feed(_ header: WebSocketFrameHeader, payload: UnsafeRawBufferPointer) -> WebSocketEvent {
        assert(payload.count == header.payloadLength, "payload does not match the header")
        switch header.opcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        case .close:
            switch WebSocketClosePayload.parse(payload) {
            case .noCode: return .close(code: nil, reason: UnsafeRawBufferPointer(rebasing: payload[0..<0]))
            case .code(let code, let offset): return .close(code: code, reason: UnsafeRawBufferPointer(rebasing: payload[offset...]))
            case .invalid(let code, let reason):
                reset()
                return .fail(code, reason: reason)
            }
        case .text, .binary, .continuation:
            break
        }

        if let failure = preflight(opcode: header.opcode, payloadLength: payload.count) {
            let failure = failed(failure)
            return .fail(failure.code, reason: failure.reason)
        }
        let kind = openKind ?? (header.opcode == .text ? .text : .binary)
        if kind == .text {
            let skip = validatedPrefix
            precondition(skip <= payload.count, "payload shorter than the part checked by checkPartialPayload")
            validatedPrefix = 0
            if header.opcode == .text && skip == 0 { utf8.reset() }
            guard utf8.validate(UnsafeRawBufferPointer(rebasing: payload[skip...])) else {
                reset()
                return .fail(.invalidPayload, reason: "invalid UTF-8 in text message")
            }
            if header.fin && !utf8.isComplete {
                reset()
                return .fail(.invalidPayload, reason: "text message ends inside a UTF-8 sequence")
            }
        }

        if header.opcode != .continuation {
            if header.fin { return .message(kind, .borrowed(payload)) }
            openKind = kind
        }
        payload.withMemoryRebound(to: UInt8.self) { fragments.append(contentsOf: $0) }
        guard header.fin else { return .continueReading }
        let message = fragments
        fragments = []   // leaves `message` the only reference: handed over, not copied
        openKind = nil
        return .message(kind, .owned(message))
    }

    /// Forgets any open message.
    public mutating func reset() {
        openKind = nil
        fragments = []
        utf8.reset()
        validatedPrefix = 0
    }

    private func exceedsLimit(opcode: WebSocketOpcode, payloadLength: Int) -> Bool {
        switch opcode {
        case .text, .binary: payloadLength > maxMessageSize
        case .continuation: payloadLength > maxMessageSize - fragments.count
        case .close, .ping, .pong: false
        }
    }

    private func preflight(opcode: WebSocketOpcode, payloadLength: Int) -> Failure? {
        switch opcode {
        case .continuation where openKind == nil:
            return (.protocolError, "continuation frame with no message to continue")
        case .text where openKind != nil, .binary where openKind != nil:
            return (.protocolError, "new data frame inside a fragmented message")
        default:
            return exceedsLimit(opcode: opcode, payloadLength: payloadLength)
                ? (.messageTooBig, "message exceeds \(maxMessageSize) bytes") : nil
        }
    }

    private mutating func failed(_ failure: Failure) -> Failure {
        reset()
        return failure
    }
}
