/// The handshake's open packet, `0{"sid":…,"upgrades":…,"pingInterval":…,"pingTimeout":…}`, with its
/// keys in the order engine.io writes them (PROTOCOL.md §4.3).
public struct EngineIOOpenPacket: Sendable, Equatable {
    public var sid: String
    /// `["websocket"]` on a polling handshake to allow the upgrade, `[]` on a direct WebSocket.
    public var upgrades: [String]
    public var pingInterval: Int
    public var pingTimeout: Int
    /// Announced to EIO4 clients only (EIO3 has no such key).
    public var maxPayload: Int

    public init(
        sid: String, upgrades: [String] = ["websocket"], pingInterval: Int = 25000, pingTimeout: Int = 20000,
        maxPayload: Int = 1_000_000
    ) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }

    /// The whole packet, type digit `0` included.
    public func encode(for version: EngineIOVersion) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128)
        out.append(EngineIOPacketType.open.ascii)
        var o = JSONObjectWriter(prefix: out)
        o.add("sid", string: sid)
        o.add("upgrades", value: .array(upgrades.map { .string($0) }))
        o.add("pingInterval", int: pingInterval)
        o.add("pingTimeout", int: pingTimeout)
        if version == .v4 { o.add("maxPayload", int: maxPayload) }
        return o.finish()
    }
}
