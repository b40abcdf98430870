/// An immutable block of bytes with a stable address, shared by every connection it is queued on.
/// A broadcast frame is encoded once into one of these and the same block is written to every
/// recipient; the block is freed when the last queue lets go of it.
public final class SharedBytes {
    public let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Allocates `count` bytes and lets `fill` write them (exactly once, before anyone reads).
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) {
        self.count = count
        pointer = .allocate(byteCount: max(count, 1), alignment: 8)
        fill(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    public convenience init(_ bytes: UnsafeRawBufferPointer) {
        self.init(count: bytes.count) { target in
            if bytes.count > 0 { target.copyMemory(from: bytes) }
        }
    }

    public convenience init(_ bytes: [UInt8]) {
        self.init(count: bytes.count) { target in
            bytes.withUnsafeBytes { if $0.count > 0 { target.copyMemory(from: $0) } }
        }
    }

    public convenience init(_ text: String) {
        var copy = text
        let count = copy.utf8.count
        self.init(count: count) { target in
            copy.withUTF8 { if $0.count > 0 { target.copyMemory(from: UnsafeRawBufferPointer($0)) } }
        }
    }

    deinit { pointer.deallocate() }

    /// Valid as long as this object is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }

    public var array: [UInt8] { Array(bytes) }
}
