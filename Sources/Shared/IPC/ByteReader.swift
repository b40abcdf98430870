/// Reads what `ByteWriter` wrote. Every read checks bounds and returns nil past the end, so a
/// truncated or corrupt message is rejected, never trusted.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    public mutating func u8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func u16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    public mutating func u32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[offset + i]) << UInt32(8 * i) }
        offset += 4
        return value
    }

    public mutating func u64() -> UInt64? {
        guard remaining >= 8 else { return nil }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += 8
        return value
    }

    public mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }

    public mutating func bool() -> Bool? { u8().map { $0 != 0 } }

    /// A length-prefixed byte range, as a view into the message (valid as long as the message is).
    public mutating func blobView() -> UnsafeRawBufferPointer? {
        guard let length = u32(), remaining >= Int(length) else { return nil }
        defer { offset += Int(length) }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + Int(length)])
    }

    public mutating func blob() -> [UInt8]? { blobView().map { Array($0) } }

    public mutating func string() -> String? {
        guard let view = blobView() else { return nil }
        return String(validating: view, as: UTF8.self)
    }

    /// Everything after the current offset.
    public mutating func rest() -> UnsafeRawBufferPointer {
        defer { offset = bytes.count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset...])
    }
}
