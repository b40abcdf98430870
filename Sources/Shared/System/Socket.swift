import CShim
import Glibc

/// Socket set-up for the listener, the IPC socketpairs and accepted clients.
public enum Socket {
    /// Binds and listens on host:port (IPv4 or IPv6 literal, or "localhost"/"*" shorthands).
    /// The master calls this before forking so every worker inherits the same listening socket.
    public static func listenTCP(host: String, port: UInt16, backlog: Int32 = 4096) throws -> Int32 {
        let address = try SocketAddress.resolve(host: host, port: port)
        let fd = socket(Int32(address.family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if address.family == AF_INET6 {
            var zero: Int32 = 0
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &zero, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = address.withSockAddr { bind(fd, $0, $1) }
        guard bound == 0 else {
            let error = SystemError("bind \(host):\(port)")
            FileDescriptor.close(fd)
            throw error
        }
        guard listen(fd, backlog) == 0 else {
            let error = SystemError("listen")
            FileDescriptor.close(fd)
            throw error
        }
        try FileDescriptor.setNonBlocking(fd)
        return fd
    }

    /// Connected pair of SOCK_SEQPACKET sockets: message boundaries are kept, so a process that dies
    /// mid-send cannot leave half a message behind for its successor.
    public static func seqpacketPair(bufferSize: Int32 = 4 << 20) throws -> (Int32, Int32) {
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { throw SystemError("socketpair") }
        for fd in fds { setBufferSizes(fd, bufferSize) }
        return (fds[0], fds[1])
    }

    /// Asks for large socket buffers; root may exceed the sysctl ceiling with the FORCE variants.
    public static func setBufferSizes(_ fd: Int32, _ size: Int32) {
        var value = size
        let len = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &value, len) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, len)
        }
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &value, len) != 0 {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, len)
        }
    }

    /// The send buffer the kernel actually granted (it doubles the request and caps it).
    public static func sendBufferSize(_ fd: Int32) -> Int {
        var value: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, &len)
        return Int(value)
    }

    public static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// accept4 returning a non-blocking, close-on-exec client socket and its peer address, or nil
    /// when nothing is pending. Other errors are thrown so the caller can log them.
    public static func accept(_ listener: Int32) throws -> (fd: Int32, peer: SocketAddress)? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                cshim_accept4(listener, $0, &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
            }
        }
        if fd < 0 {
            let code = errno
            if Errno.isWouldBlock(code) || code == EINTR || code == ECONNABORTED { return nil }
            throw SystemError("accept4", code: code)
        }
        return (fd, SocketAddress(storage: storage))
    }

    /// True when something accepts TCP connections at host:port (used by `stop` and `start -d`).
    public static func canConnect(host: String, port: UInt16) -> Bool {
        guard var address = try? SocketAddress.resolve(host: host, port: port) else { return false }
        if address.isUnspecified { address = address.loopbackEquivalent }
        let fd = socket(Int32(address.family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { FileDescriptor.close(fd) }
        return address.withSockAddr { connect(fd, $0, $1) } == 0
    }

    /// True when host:port could be bound now (nothing is listening there).
    public static func isPortFree(host: String, port: UInt16) -> Bool {
        guard let fd = try? listenTCP(host: host, port: port, backlog: 1) else { return false }
        FileDescriptor.close(fd)
        return true
    }
}
