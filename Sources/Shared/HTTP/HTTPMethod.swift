/// Request method. Methods are case-sensitive (RFC 9110 §9.1): `get` is `.other("get")`.
public enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, options, patch
    case other(String)

    public init(_ token: String) {
        switch token {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "OPTIONS": self = .options
        case "PATCH": self = .patch
        default: self = .other(token)
        }
    }

    /// From a token the caller has already checked to be `tchar`s; the common methods are
    /// matched on bytes so that no String is made for them.
    init(token bytes: UnsafeRawBufferPointer) {
        @inline(__always) func matches(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == bytes.count else { return false }
            let base = literal.utf8Start
            for i in 0..<bytes.count where bytes[i] != base[i] { return false }
            return true
        }
        switch bytes.count {
        case 3 where matches("GET"): self = .get
        case 3 where matches("PUT"): self = .put
        case 4 where matches("POST"): self = .post
        case 4 where matches("HEAD"): self = .head
        case 5 where matches("PATCH"): self = .patch
        case 6 where matches("DELETE"): self = .delete
        case 7 where matches("OPTIONS"): self = .options
        default: self = .other(String(decoding: bytes, as: UTF8.self))
        }
    }

    public var rawValue: String {
        switch self {
        case .get: return "GET"
        case .head: return "HEAD"
        case .post: return "POST"
        case .put: return "PUT"
        case .delete: return "DELETE"
        case .options: return "OPTIONS"
        case .patch: return "PATCH"
        case .other(let token): return token
        }
    }

    public var description: String { rawValue }
}
