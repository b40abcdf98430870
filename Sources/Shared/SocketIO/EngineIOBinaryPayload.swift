extension EngineIOPayload {
    /// EIO3's binary payload framing, which python-engineio 3.x clients use for every polling POST
    /// (`Content-Type: application/octet-stream`): per packet a kind byte (0 = text packet, 1 = binary
    /// packet), the length in bytes as one byte per decimal digit (values 0...9), 0xFF, then the packet.
    /// Text packets are decoded like any other (valid UTF-8 required); binary ones are refused, since
    /// this server speaks text only.
    public static func decodeBinaryFramed(
        _ body: UnsafeRawBufferPointer, maxPackets: Int = defaultMaxPackets
    ) throws(EngineIOError) -> [EngineIOPacket] {
        guard body.count > 0 else { throw .emptyPayload }
        var packets: [EngineIOPacket] = []
        var i = 0
        let count = body.count
        while i < count {
            let kind = body[i]
            guard kind <= 1 else { throw .invalidLength(offset: i) }
            if kind == 1 { throw .binaryNotSupported }
            i += 1
            let lengthStart = i
            var length = 0
            while i < count && body[i] != 0xFF {
                // 9 digits: far beyond any body a server accepts, and no overflow.
                guard body[i] < 10, i - lengthStart < 9 else { throw .invalidLength(offset: i) }
                length = length * 10 + Int(body[i])
                i += 1
            }
            guard i < count else { throw .missingColon(offset: lengthStart) }
            guard i > lengthStart else { throw .invalidLength(offset: i) }
            i += 1
            guard length <= count - i else { throw .lengthPastEnd(offset: i) }
            guard packets.count < maxPackets else { throw .tooManyPackets(limit: maxPackets) }
            packets.append(try EngineIOPacket.decode(UnsafeRawBufferPointer(rebasing: body[i..<(i + length)])))
            i += length
        }
        return packets
    }

    public static func decodeBinaryFramed(_ body: [UInt8], maxPackets: Int = defaultMaxPackets) throws(EngineIOError) -> [EngineIOPacket] {
        let result = body.withUnsafeBytes { raw in
            Result { () throws(EngineIOError) in try decodeBinaryFramed(raw, maxPackets: maxPackets) }
        }
        return try result.get()
    }
}
