import CShim
import Glibc

/// What is waiting to be written to one socket: shared byte blocks and file ranges, written with
/// `sendmsg` (up to 64 blocks per call) and `sendfile`.
public struct OutboundQueue {
    public enum WriteResult: Equatable {
        /// Everything was written.
        case drained
        /// The socket is full; wait for EPOLLOUT.
        case blocked
        /// The connection is broken (errno).
        case failed(Int32)
    }

    private enum Chunk {
        case bytes(SharedBytes, offset: Int)
        /// A file descriptor owned by the queue (closed when done), from `offset` to `end`.
        case file(Int32, offset: Int64, end: Int64)
    }

    private var chunks: [Chunk] = []
    private var head = 0
    public private(set) var byteCount = 0
    public private(set) var bytesWritten = 0

    public init() {}

    public var isEmpty: Bool { head == chunks.count }

    public mutating func append(_ bytes: SharedBytes) {
        guard bytes.count > 0 else { return }
        chunks.append(.bytes(bytes, offset: 0))
        byteCount += bytes.count
    }

    /// Queues `length` bytes of the open file `fd` from `offset`; the queue closes `fd` when done.
    public mutating func appendFile(_ fd: Int32, offset: Int64, length: Int64) {
        guard length > 0 else {
            Glibc.close(fd)
            return
        }
        chunks.append(.file(fd, offset: offset, end: offset + length))
        byteCount += Int(length)
    }

    /// Writes as much as the socket takes.
    public mutating func write(to socket: Int32) -> WriteResult {
        while head < chunks.count {
            switch chunks[head] {
            case .bytes:
                let result = writeBlocks(to: socket)
                if result != .drained { return result }
            case .file(let fd, let offset, let end):
                var position = offset
                let n = cshim_sendfile(socket, fd, &position, Int(min(end - offset, 1 << 30)))
                if n < 0 {
                    if Errno.isWouldBlock(errno) { return .blocked }
                    if errno == EINTR { continue }
                    return .failed(errno)
                }
                if n == 0 { return .failed(EIO) }  // the file shrank under us
                byteCount -= n
                bytesWritten += n
                if position >= end {
                    Glibc.close(fd)
                    popHead()
                } else {
                    chunks[head] = .file(fd, offset: position, end: end)
                }
            }
        }
        compact()
        return .drained
    }

    /// One writev over the leading run of byte blocks. `.drained` means that run was written whole.
    private mutating func writeBlocks(to socket: Int32) -> WriteResult {
        let iov = OutboundQueue.iovScratch
        var count = 0
        var requested = 0
        var index = head
        while index < chunks.count, count < OutboundQueue.maxVectors, case .bytes(let block, let offset) = chunks[index] {
            iov[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: block.bytes.baseAddress! + offset),
                               iov_len: block.count - offset)
            requested += block.count - offset
            count += 1
            index += 1
        }
        var n: Int
        repeat {
            n = OutboundQueue.send(socket, iov, count)
        } while n < 0 && errno == EINTR
        if n < 0 {
            return Errno.isWouldBlock(errno) ? .blocked : .failed(errno)
        }
        byteCount -= n
        bytesWritten += n
        var remaining = n
        while remaining > 0, head < chunks.count, case .bytes(let block, let offset) = chunks[head] {
            let left = block.count - offset
            if remaining >= left {
                remaining -= left
                if chunks.count == 1 {
                    chunks.removeLast()  // a broadcast's usual case, one frame: the array kept as it is
                } else {
                    popHead()
                }
            } else {
                chunks[head] = .bytes(block, offset: offset + remaining)
                remaining = 0
            }
        }
        return n < requested ? .blocked : .drained
    }

    /// `send`/`sendmsg` rather than `writev`: on a socket they skip the VFS write path (file
    /// position lock, fsnotify, iovec import), measurably cheaper per delivery. Anything that is not a
    /// socket (a pipe in a test) gets `writev`.
    private static func send(_ fd: Int32, _ iov: UnsafeMutablePointer<iovec>, _ count: Int) -> Int {
        let n: Int
        if count == 1 {
            n = Glibc.send(fd, iov[0].iov_base, iov[0].iov_len, Int32(MSG_NOSIGNAL))
        } else {
            var message = msghdr()
            message.msg_iov = iov
            message.msg_iovlen = count
            n = sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
        }
        if n < 0 && errno == ENOTSOCK { return writev(fd, iov, Int32(count)) }
        return n
    }

    private static let maxVectors = 64
    /// Scratch iovec array: each process is single-threaded, so one is enough.
    nonisolated(unsafe) private static let iovScratch = UnsafeMutablePointer<iovec>.allocate(capacity: maxVectors)

    private mutating func popHead() {
        chunks[head] = .bytes(OutboundQueue.empty, offset: 0)
        head += 1
    }

    private mutating func compact() {
        if head == chunks.count && head > 0 {
            chunks.removeAll(keepingCapacity: chunks.count <= 16)
            head = 0
        }
    }

    /// Whether a file range is queued (it cannot travel to another process as bytes).
    public var hasFiles: Bool {
        chunks[head...].contains { if case .file = $0 { return true } else { return false } }
    }

    /// Everything not written yet, as bytes, leaving the queue empty (a reload passes it with the
    /// socket). Nil, with nothing taken, while a file range is queued.
    public mutating func takeBytes() -> [UInt8]? {
        guard !hasFiles else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        for index in head..<chunks.count {
            if case .bytes(let block, let offset) = chunks[index] {
                bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: block.bytes[offset...]))
            }
        }
        chunks.removeAll()
        head = 0
        byteCount = 0
        return bytes
    }

    /// Closes any file still queued (connection closed before it was sent).
    public mutating func discard() {
        for index in head..<chunks.count {
            if case .file(let fd, _, _) = chunks[index] { Glibc.close(fd) }
        }
        chunks.removeAll()
        head = 0
        byteCount = 0
    }

    nonisolated(unsafe) private static let empty = SharedBytes(count: 0) { _ in }
}
