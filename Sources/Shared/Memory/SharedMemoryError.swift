import Glibc

/// Why a shared region could not be created or opened.
public enum SharedMemoryError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidLayout(String)
    case invalidName(String)
    /// The object exists but is not a region this build understands (garbage, other version, truncated).
    case invalidRegion(name: String)
    case system(call: String, code: Int32)

    public var description: String {
        switch self {
        case .invalidLayout(let why): return "invalid shared memory layout: \(why)"
        case .invalidName(let name): return "invalid shared memory name \(name) (one leading '/', no other, at most 255 bytes)"
        case .invalidRegion(let name): return "shared memory \(name) is not a valid ChatRoom region"
        case .system(let call, let code):
            guard let text = strerror(code) else { return "\(call): errno \(code)" }
            return "\(call): \(String(cString: text))"
        }
    }
}
