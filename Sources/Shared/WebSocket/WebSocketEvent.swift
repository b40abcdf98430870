/// The kind of a data message.
public enum WebSocketMessageKind: Sendable {
    case text
    case binary
}

/// What one frame fed to `WebSocketMessageAssembler` amounts to. Payload views point into the
/// caller's frame and are valid only until the caller reuses that part of its buffer.
public enum WebSocketEvent {
    /// A complete message; text has been checked to be valid UTF-8.
    case message(WebSocketMessageKind, WebSocketMessagePayload)
    /// Answer with a pong carrying the same bytes.
    case ping(UnsafeRawBufferPointer)
    case pong(UnsafeRawBufferPointer)
    /// The peer is closing. `code` is nil for an empty close body; otherwise it is valid on the
    /// wire and `reason` is valid UTF-8. Echo the code (or send 1000 for nil) and close.
    case close(code: WebSocketCloseCode?, reason: UnsafeRawBufferPointer)
    /// A non-final fragment was taken in; nothing to do yet.
    case continueReading
    /// The peer broke the protocol: send a close frame with this code and drop the connection.
    case fail(WebSocketCloseCode, reason: String)
}
