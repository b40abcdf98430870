/// The bytes of a complete data message, in whichever storage they already are, so that neither
/// case costs a copy.
public enum WebSocketMessagePayload {
    /// An unfragmented message: the caller's own (unmasked) frame payload. Valid only as long as
    /// the caller keeps that part of its receive buffer; copy it (`bytes`) to keep it longer.
    case borrowed(UnsafeRawBufferPointer)
    /// A message assembled from fragments; the array now belongs to the caller.
    case owned([UInt8])

    public var count: Int {
        switch self {
        case .borrowed(let view): view.count
        case .owned(let array): array.count
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .borrowed(let view): try body(view)
        case .owned(let array): try array.withUnsafeBytes(body)
        }
    }

    /// An owned copy (no copy for `.owned`).
    public var bytes: [UInt8] {
        switch self {
        case .borrowed(let view): Array(view)
        case .owned(let array): array
        }
    }
}
