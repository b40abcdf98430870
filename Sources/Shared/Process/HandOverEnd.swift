/// The last record on a worker slot's hand-over socket (see ProcessTopology.handOver): sent by the
/// retiring worker after its last connection, or by the master when that worker died first
/// (`complete` false). The id tells a successor its own end from a stale one of an earlier reload.
public struct HandOverEnd: Equatable, Sendable {
    /// First byte of an end record; other hand-over records start with other values.
    public static let tag: UInt8 = 0

    public let id: UInt64
    public let complete: Bool

    public init(id: UInt64, complete: Bool) {
        self.id = id
        self.complete = complete
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 10)
        w.u8(Self.tag)
        w.u64(id)
        w.bool(complete)
        return w.bytes
    }

    public init?(decoding bytes: UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        guard r.u8() == Self.tag, let id = r.u64(), let complete = r.bool(), r.rest().isEmpty else { return nil }
        self.init(id: id, complete: complete)
    }
}
