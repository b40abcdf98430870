/// Encoders for the packets a server sends, cheap enough for the broadcast path: payloads arrive as
/// JSON bytes and are copied, never re-encoded.
///
/// With `asEngineIOMessage: true` the result starts with the Engine.IO `4`, ready to be a WebSocket
/// frame or a polling packet (`42["message",{…}]`).
extension SocketIOPacket {
    /// `2["name",<payload>]`, or `2["name"]` when `payloadJSON` is empty. `payloadJSON` must be one
    /// valid JSON value.
    public static func encodeEvent(
        name: String, payloadJSON: [UInt8], ackId: Int? = nil, namespace: String = "/", asEngineIOMessage: Bool = false
    ) -> [UInt8] {
        var out = eventPrefix(name: name, ackId: ackId, namespace: namespace, asEngineIOMessage: asEngineIOMessage,
                              reservingCapacity: payloadJSON.count + 2)
        if payloadJSON.isEmpty {
            out[out.count - 1] = UInt8(ascii: "]")  // the prefix ends in the comma that would precede it
        } else {
            out.append(contentsOf: payloadJSON)
            out.append(UInt8(ascii: "]"))
        }
        return out
    }

    /// Everything of an event up to its payload, `42["message",`, so that a caller can write the
    /// payload straight after it (e.g. `JSONObjectWriter(prefix:)`) and close with `]`.
    public static func eventPrefix(
        name: String, ackId: Int? = nil, namespace: String = "/", asEngineIOMessage: Bool = false, reservingCapacity: Int = 0
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count + namespace.utf8.count + 16 + reservingCapacity)
        appendHeader(.event, namespace: namespace, ackId: ackId, asEngineIOMessage: asEngineIOMessage, into: &out)
        out.append(UInt8(ascii: "["))
        JSONWriter.appendString(name, into: &out)
        out.append(UInt8(ascii: ","))
        return out
    }

    /// `3<id><arguments>`; `argumentsJSON` is the JSON array of the ack's arguments (e.g.
    /// `[{"id":41,"seq":7}]`); empty means `[]`.
    public static func encodeAck(
        id: Int, argumentsJSON: [UInt8], namespace: String = "/", asEngineIOMessage: Bool = false
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(argumentsJSON.count + 24)
        appendHeader(.ack, namespace: namespace, ackId: id, asEngineIOMessage: asEngineIOMessage, into: &out)
        if argumentsJSON.isEmpty {
            out.append(contentsOf: [UInt8(ascii: "["), UInt8(ascii: "]")])
        } else {
            out.append(contentsOf: argumentsJSON)
        }
        return out
    }

    /// Connect acknowledgement: `0` for protocol revision 4 (EIO3 clients reject anything else,
    /// PROTOCOL.md §0.5), `0{"sid":"…"}` for v5.
    public static func encodeConnect(sid: String?, namespace: String = "/", asEngineIOMessage: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        appendHeader(.connect, namespace: namespace, ackId: nil, asEngineIOMessage: asEngineIOMessage, into: &out)
        if let sid {
            var o = JSONObjectWriter(prefix: out)
            o.add("sid", string: sid)
            return o.finish()
        }
        return out
    }

    /// `4{"message":"…"}`, the v5 refusal of a connect.
    public static func encodeConnectError(message: String, namespace: String = "/", asEngineIOMessage: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        appendHeader(.connectError, namespace: namespace, ackId: nil, asEngineIOMessage: asEngineIOMessage, into: &out)
        var o = JSONObjectWriter(prefix: out)
        o.add("message", string: message)
        return o.finish()
    }

    /// `1`: the client will not reconnect by itself after it.
    public static func encodeDisconnect(namespace: String = "/", asEngineIOMessage: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        appendHeader(.disconnect, namespace: namespace, ackId: nil, asEngineIOMessage: asEngineIOMessage, into: &out)
        return out
    }

    /// Any packet from its fields (slower: `data` is written from the `JSONValue` tree).
    public func encode(asEngineIOMessage: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        Self.appendHeader(type, namespace: namespace, ackId: ackId, asEngineIOMessage: asEngineIOMessage, into: &out)
        if let data { JSONWriter.write(data, into: &out) }
        return out
    }

    /// `[4]<type>[<namespace>,][<ack id>]`, as socket.io-parser writes them.
    static func appendHeader(
        _ type: SocketIOPacketType, namespace: String, ackId: Int?, asEngineIOMessage: Bool, into out: inout [UInt8]
    ) {
        if asEngineIOMessage { out.append(EngineIOPacketType.message.ascii) }
        out.append(type.ascii)
        if namespace != "/" && !namespace.isEmpty {
            out.append(contentsOf: namespace.utf8)
            out.append(UInt8(ascii: ","))
        }
        if let ackId {
            precondition(ackId >= 0, "ack ids are non-negative")
            JSONWriter.appendInt(ackId, into: &out)
        }
    }
}
