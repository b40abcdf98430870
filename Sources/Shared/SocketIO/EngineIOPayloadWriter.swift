/// Builds one polling response body packet by packet, in the framing of the session's version.
///
/// Takes already-encoded packets so that a frame encoded once for a broadcast is copied into each
/// recipient's poll answer without being re-encoded.
public struct EngineIOPayloadWriter: Sendable {
    public let version: EngineIOVersion
    private var bytes: [UInt8] = []
    public private(set) var packetCount = 0

    public init(version: EngineIOVersion, reservingCapacity: Int = 0) {
        self.version = version
        if reservingCapacity > 0 { bytes.reserveCapacity(reservingCapacity) }
    }

    public var isEmpty: Bool { packetCount == 0 }

    /// `packet` is a whole text packet, type digit first (`42[…]`, `3`, `6`), valid UTF-8.
    public mutating func append(encodedPacket packet: UnsafeRawBufferPointer) {
        switch version {
        case .v3:
            JSONWriter.appendInt(UTF16Length.count(packet), into: &bytes)
            bytes.append(UInt8(ascii: ":"))
        case .v4:
            if packetCount > 0 { bytes.append(EngineIOPayload.recordSeparator) }
        }
        bytes.append(contentsOf: packet)
        packetCount += 1
    }

    public mutating func append(encodedPacket packet: [UInt8]) {
        packet.withUnsafeBytes { append(encodedPacket: $0) }
    }

    public mutating func append(_ packet: EngineIOPacket) {
        switch version {
        case .v3:
            // +1 for the type digit.
            JSONWriter.appendInt(packet.data.withUnsafeBytes { UTF16Length.count($0) } + 1, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
        case .v4:
            if packetCount > 0 { bytes.append(EngineIOPayload.recordSeparator) }
        }
        packet.encode(into: &bytes)
        packetCount += 1
    }

    /// The body. With no packet it is `0:` for EIO3 (what engine.io-parser 2.x encodes for an empty
    /// list) and empty for EIO4; a server should answer a timed-out poll with a noop packet instead.
    public consuming func finish() -> [UInt8] {
        if packetCount == 0 && version == .v3 { return [UInt8(ascii: "0"), UInt8(ascii: ":")] }
        return bytes
    }
}
