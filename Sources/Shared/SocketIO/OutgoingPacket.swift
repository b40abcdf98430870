/// A Socket.IO packet encoded once, as the Engine.IO message text `42[…]` (`4` + the Socket.IO
/// packet), to be sent to any number of sockets.
///
/// The text is the same for EIO3 and EIO4, so one packet serves sockets of both versions. Sockets on
/// WebSocket are given `webSocketFrame`, built on first use and then shared: a broadcast to N
/// WebSocket sockets encodes one frame, not N. Polling sockets queue the packet itself and copy
/// `packetBytes` into their next poll answer (a poll body is per socket anyway).
public final class OutgoingPacket {
    /// The Engine.IO packet, UTF-8, type digit `4` first.
    public let packetBytes: [UInt8]

    /// `packet` must be a whole Engine.IO message packet, `4` first (what `packetBytes` returns, e.g.
    /// after travelling to another worker).
    public init(packet: [UInt8]) {
        packetBytes = packet
    }

    private var frame: SharedBytes?

    /// The unmasked WebSocket text frame carrying `packetBytes`, built on first use and shared by
    /// every socket it is sent to.
    public var webSocketFrame: SharedBytes {
        if let frame { return frame }
        let payload = packetBytes
        let headerLength = WebSocketFrameEncoder.headerLength(payloadLength: payload.count, masked: false)
        let built = SharedBytes(count: headerLength + payload.count) { target in
            let written = WebSocketFrameEncoder.writeHeader(into: target, fin: true, opcode: .text,
                                                            payloadLength: payload.count, maskKey: nil)
            payload.withUnsafeBytes { source in
                if source.count > 0 { UnsafeMutableRawBufferPointer(rebasing: target[written...]).copyMemory(from: source) }
            }
        }
        frame = built
        return built
    }

    /// Whether `webSocketFrame` has been built yet.
    public var hasWebSocketFrame: Bool { frame != nil }

    /// `42["name",payload]`.
    public static func event(_ name: String, _ payload: JSONValue) -> OutgoingPacket {
        event(name, payloadJSON: JSONWriter.encode(payload))
    }

    /// `42["name",arg1,arg2,…]` (`42["name"]` with no arguments).
    public static func event(_ name: String, arguments: [JSONValue]) -> OutgoingPacket {
        var out = SocketIOPacket.eventPrefix(name: name, asEngineIOMessage: true)
        if arguments.isEmpty {
            out[out.count - 1] = UInt8(ascii: "]")
        } else {
            for (k, argument) in arguments.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.write(argument, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        return OutgoingPacket(packet: out)
    }

    /// `42["name",<payloadJSON>]` from JSON bytes the caller already has (one valid JSON value).
    public static func event(_ name: String, payloadJSON: [UInt8]) -> OutgoingPacket {
        OutgoingPacket(packet: SocketIOPacket.encodeEvent(name: name, payloadJSON: payloadJSON, asEngineIOMessage: true))
    }

    /// `43<id>[arguments…]`, the answer to an event that asked for an acknowledgement.
    public static func ack(_ id: UInt64, _ arguments: [JSONValue]) -> OutgoingPacket {
        OutgoingPacket(packet: SocketIOPacket.encodeAck(id: Int(clamping: id), argumentsJSON: JSONWriter.encode(.array(arguments)),
                                                        asEngineIOMessage: true))
    }
}
