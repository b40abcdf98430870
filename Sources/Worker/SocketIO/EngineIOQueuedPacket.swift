import Shared

/// A packet waiting for a polling client's next GET: either this session's own bytes (`3`, `40`,
/// `43…`) or a packet shared with other sockets, which is only referenced, never copied, until it is
/// written into a poll answer.
enum EngineIOQueuedPacket {
    /// A whole Engine.IO packet, type digit first.
    case bytes([UInt8])
    case shared(OutgoingPacket)

    var byteCount: Int {
        switch self {
        case .bytes(let bytes): bytes.count
        case .shared(let packet): packet.packetBytes.count
        }
    }

    func append(to writer: inout EngineIOPayloadWriter) {
        switch self {
        case .bytes(let bytes): writer.append(encodedPacket: bytes)
        case .shared(let packet): writer.append(encodedPacket: packet.packetBytes)
        }
    }

    /// The WebSocket frame carrying it (after an upgrade the queue is flushed onto the WebSocket).
    var webSocketFrame: SharedBytes {
        switch self {
        case .bytes(let bytes): WebSocketFrames.text(bytes)
        case .shared(let packet): packet.webSocketFrame
        }
    }
}
