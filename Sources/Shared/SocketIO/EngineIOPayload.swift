/// Polling request and response bodies: several Engine.IO packets in one HTTP body.
///
/// EIO3 text framing is `<length>:<packet>` repeated, the length counting UTF-16 code units of the
/// packet (JavaScript String.length). EIO4 joins packets with the record separator 0x1E.
/// EIO3's binary framing (`application/octet-stream`) is deliberately not supported.
public enum EngineIOPayload {
    public static let recordSeparator: UInt8 = 0x1E
    public static let defaultMaxPackets = 1000

    /// Decodes a polling POST body. The body must be valid UTF-8; a payload with more than
    /// `maxPackets` packets is refused as a whole.
    public static func decode(
        _ body: UnsafeRawBufferPointer, version: EngineIOVersion, maxPackets: Int = defaultMaxPackets
    ) throws(EngineIOError) -> [EngineIOPacket] {
        guard let base = body.baseAddress, body.count > 0 else { throw .emptyPayload }
        let p = base.assumingMemoryBound(to: UInt8.self)
        switch version {
        case .v3: return try decodeLengthPrefixed(p, count: body.count, maxPackets: maxPackets)
        case .v4: return try decodeSeparated(p, count: body.count, maxPackets: maxPackets)
        }
    }

    public static func decode(
        _ body: [UInt8], version: EngineIOVersion, maxPackets: Int = defaultMaxPackets
    ) throws(EngineIOError) -> [EngineIOPacket] {
        let result = body.withUnsafeBytes { raw in
            Result { () throws(EngineIOError) in try decode(raw, version: version, maxPackets: maxPackets) }
        }
        return try result.get()
    }

    public static func decode(
        _ body: String, version: EngineIOVersion, maxPackets: Int = defaultMaxPackets
    ) throws(EngineIOError) -> [EngineIOPacket] {
        try decode(Array(body.utf8), version: version, maxPackets: maxPackets)
    }

    /// One body holding `packets` in order.
    public static func encode(_ packets: [EngineIOPacket], version: EngineIOVersion) -> [UInt8] {
        var writer = EngineIOPayloadWriter(version: version)
        for packet in packets { writer.append(packet) }
        return writer.finish()
    }

    /// One body holding packets that are already encoded (type digit included), e.g. a broadcast
    /// `42[…]` frame shared by every recipient.
    public static func encode(encodedPackets: [[UInt8]], version: EngineIOVersion) -> [UInt8] {
        var writer = EngineIOPayloadWriter(version: version)
        for packet in encodedPackets { writer.append(encodedPacket: packet) }
        return writer.finish()
    }

    /// Walks the UTF-8 bytes counting UTF-16 units to find where each packet ends, validating the
    /// UTF-8 on the way. Like engine.io-parser 2.x, a `0:` (empty) packet is skipped.
    static func decodeLengthPrefixed(_ p: UnsafePointer<UInt8>, count: Int, maxPackets: Int) throws(EngineIOError) -> [EngineIOPacket] {
        var packets: [EngineIOPacket] = []
        var i = 0
        while i < count {
            let lengthStart = i
            var length = 0
            while i < count && p[i] != UInt8(ascii: ":") {
                let d = p[i] &- UInt8(ascii: "0")
                // 9 digits: far beyond any body a server accepts, and no overflow.
                guard d < 10, i - lengthStart < 9 else { throw .invalidLength(offset: i) }
                length = length * 10 + Int(d)
                i += 1
            }
            guard i < count else { throw .missingColon(offset: lengthStart) }
            guard i > lengthStart else { throw .invalidLength(offset: i) }
            i += 1

            let start = i
            var units = 0
            while units < length {
                if units + 8 <= length && i + 8 <= count
                    && UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    units += 8
                    i += 8
                    continue
                }
                guard i < count else { throw .lengthPastEnd(offset: start) }
                if p[i] < 0x80 {
                    units += 1
                    i += 1
                    continue
                }
                let n = UTF8Validation.sequenceLength(p, at: i, end: count)
                guard n != 0 else { throw .invalidUTF8(offset: i) }
                if n == 4 {
                    guard units + 2 <= length else { throw .lengthSplitsCharacter(offset: i) }
                    units += 2
                } else {
                    units += 1
                }
                i += n
            }
            if i > start {
                guard packets.count < maxPackets else { throw .tooManyPackets(limit: maxPackets) }
                packets.append(try EngineIOPacket.decodeValidated(UnsafeRawBufferPointer(start: p + start, count: i - start)))
            }
        }
        return packets
    }

    /// Every segment between separators is one packet; an empty segment is an error, as in
    /// engine.io-parser 4/5.
    static func decodeSeparated(_ p: UnsafePointer<UInt8>, count: Int, maxPackets: Int) throws(EngineIOError) -> [EngineIOPacket] {
        if let bad = UTF8Validation.firstInvalidOffset(p, count: count) { throw .invalidUTF8(offset: bad) }
        var packets: [EngineIOPacket] = []
        var start = 0
        while start <= count {
            var end = start
            while end < count && p[end] != recordSeparator { end += 1 }
            guard packets.count < maxPackets else { throw .tooManyPackets(limit: maxPackets) }
            packets.append(try EngineIOPacket.decodeValidated(UnsafeRawBufferPointer(start: p + start, count: end - start)))
            start = end + 1
        }
        return packets
    }
}
