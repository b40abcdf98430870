import Glibc

/// An IPv4 or IPv6 socket address, kept as sockaddr_storage.
public struct SocketAddress: CustomStringConvertible, Sendable {
    private var storage: sockaddr_storage

    public init(storage: sockaddr_storage) { self.storage = storage }

    public var family: Int32 { Int32(storage.ss_family) }

    /// Parses a numeric host. Names other than "localhost" are refused: the server never does DNS.
    public static func resolve(host: String, port: UInt16) throws -> SocketAddress {
        var storage = sockaddr_storage()
        let literal: String
        switch host {
        case "localhost": literal = "127.0.0.1"
        case "*", "": literal = "0.0.0.0"
        default: literal = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            withUnsafeMutablePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    $0.pointee.sin_family = sa_family_t(AF_INET)
                    $0.pointee.sin_port = port.bigEndian
                    $0.pointee.sin_addr = v4
                }
            }
        } else if inet_pton(AF_INET6, literal, &v6) == 1 {
            withUnsafeMutablePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    $0.pointee.sin6_family = sa_family_t(AF_INET6)
                    $0.pointee.sin6_port = port.bigEndian
                    $0.pointee.sin6_addr = v6
                }
            }
        } else {
            throw SystemError("address '\(host)' is not a numeric IPv4/IPv6 address", code: EINVAL)
        }
        return SocketAddress(storage: storage)
    }

    public var isUnspecified: Bool {
        let text = host
        return text == "0.0.0.0" || text == "::"
    }

    /// 0.0.0.0 → 127.0.0.1 and :: → ::1, for connecting to a wildcard listener.
    public var loopbackEquivalent: SocketAddress {
        let target = family == AF_INET6 ? "::1" : "127.0.0.1"
        return (try? SocketAddress.resolve(host: target, port: port)) ?? self
    }

    public var port: UInt16 {
        var copy = storage
        return withUnsafePointer(to: &copy) { ptr in
            if family == AF_INET6 {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    /// The numeric host, without brackets.
    public var host: String {
        var copy = storage
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok: Bool = withUnsafePointer(to: &copy) { ptr in
            if family == AF_INET6 {
                return ptr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count)) != nil
                }
            }
            return ptr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var addr = sin.pointee.sin_addr
                return inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count)) != nil
            }
        }
        guard ok else { return "?" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    public var description: String {
        family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var copy = storage
        let len = family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size
        return withUnsafePointer(to: &copy) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(len)) }
        }
    }
}
