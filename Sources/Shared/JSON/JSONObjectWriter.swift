/// Writes one JSON object member by member straight into bytes, for answers built on the hot path
/// (a broadcast message, an online map) without a `JSONValue` tree in between.
///
///     var o = JSONObjectWriter(prefix: SocketIOPacket.eventPrefix(name: "message", asEngineIOMessage: true))
///     o.add("id", int: 41)
///     o.add("msg", string: text)
///     let frame = o.finish(suffix: [UInt8(ascii: "]")])   // 42["message",{"id":41,"msg":"…"}]
public struct JSONObjectWriter: Sendable {
    private var bytes: [UInt8]
    private var hasMembers = false

    /// `prefix` is kept at the front of the output, e.g. `42["message",` for a Socket.IO frame.
    public init(prefix: [UInt8] = [], reservingCapacity: Int = 0) {
        bytes = prefix
        if reservingCapacity > 0 { bytes.reserveCapacity(prefix.count + reservingCapacity) }
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ key: String) {
        if hasMembers { bytes.append(UInt8(ascii: ",")) }
        hasMembers = true
        JSONWriter.appendKey(key, into: &bytes)
    }

    public mutating func add(_ key: String, string value: String) {
        self.key(key)
        JSONWriter.appendString(value, into: &bytes)
    }

    public mutating func add(_ key: String, int value: Int) {
        self.key(key)
        JSONWriter.appendInt(value, into: &bytes)
    }

    public mutating func add(_ key: String, int64 value: Int64) {
        self.key(key)
        JSONWriter.appendInt(value, into: &bytes)
    }

    public mutating func add(_ key: String, double value: Double) {
        self.key(key)
        JSONWriter.appendDouble(value, into: &bytes)
    }

    public mutating func add(_ key: String, bool value: Bool) {
        self.key(key)
        JSONWriter.appendBool(value, into: &bytes)
    }

    public mutating func addNull(_ key: String) {
        self.key(key)
        JSONWriter.appendNull(into: &bytes)
    }

    public mutating func add(_ key: String, value: JSONValue) {
        self.key(key)
        JSONWriter.write(value, into: &bytes)
    }

    /// `json` must already be one complete, valid JSON value (e.g. another writer's `finish()`).
    public mutating func add(_ key: String, rawJSON json: [UInt8]) {
        self.key(key)
        bytes.append(contentsOf: json)
    }

    /// Closes the object; `suffix` is appended after the `}` (e.g. `]` to close a Socket.IO frame).
    public consuming func finish(suffix: [UInt8] = []) -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        if !suffix.isEmpty { bytes.append(contentsOf: suffix) }
        return bytes
    }
}
