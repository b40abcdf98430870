/// Appends fixed-width little-endian integers and length-prefixed strings/bytes: the encoding of
/// every message that crosses a process boundary (IPC between workers, task workers and master).
public struct ByteWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    public mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    public mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    public mutating func bool(_ value: Bool) { u8(value ? 1 : 0) }

    /// u32 length, then the bytes.
    public mutating func blob(_ value: [UInt8]) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func blob(_ value: UnsafeRawBufferPointer) {
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ value: String) {
        var copy = value
        copy.withUTF8 { blob(UnsafeRawBufferPointer($0)) }
    }

    /// Bytes with no length prefix: the rest of the message.
    public mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }
    public mutating func raw(_ value: UnsafeRawBufferPointer) { bytes.append(contentsOf: value) }
}
