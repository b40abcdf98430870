import Glibc
import Testing
@testable import Shared

@Suite struct OutboundQueueTests {
    /// A socket pair whose first end takes only a few KB before it would block.
    private func smallNonblockingPair() -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        var small: Int32 = 4096
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        return (fds[0], fds[1])
    }

    @Test func unsentBytesCanBeTakenInOrder() throws {
        let (a, b) = smallNonblockingPair()
        defer { close(a); close(b) }
        var queue = OutboundQueue()
        queue.append(SharedBytes(Array("hello ".utf8)))
        queue.append(SharedBytes(Array("world".utf8)))
        #expect(queue.write(to: a) == .drained)
        #expect(drain(b) == Array("hello world".utf8))
        // Part of it is written: the rest comes out from where the socket stopped.
        let frame = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        queue.append(SharedBytes(frame))
        queue.append(SharedBytes(Array("abc".utf8)))
        #expect(queue.write(to: a) == .blocked)
        let written = queue.bytesWritten - 11
        #expect(written > 0 && written < frame.count)
        queue.append(SharedBytes(Array("def".utf8)))
        #expect(queue.takeBytes() == Array(frame[written...]) + Array("abcdef".utf8))
        #expect(queue.isEmpty && queue.byteCount == 0)
        #expect(queue.takeBytes() == [])
    }

    /// Reads everything available from a nonblocking socket.
    private func drain(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { return out }
            out += buffer[0..<n]
        }
    }

    @Test func aSingleFrameLargerThanTheSocketGoesOutInPiecesInOrder() throws {
        let (a, b) = smallNonblockingPair()
        defer { close(a); close(b) }
        let fds = [a, b]
        let frame = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var queue = OutboundQueue()
        queue.append(SharedBytes(frame))
        var received: [UInt8] = []
        var rounds = 0
        while true {
            let result = queue.write(to: fds[0])
            received += drain(fds[1])
            if result == .drained { break }
            try #require(result == .blocked, "\(result)")
            rounds += 1
            #expect(queue.byteCount == frame.count - queue.bytesWritten)
        }
        received += drain(fds[1])
        #expect(rounds > 0)  // the socket really was full in between
        #expect(received == frame)
        #expect(queue.isEmpty && queue.byteCount == 0 && queue.bytesWritten == frame.count)
        // The queue is usable again: a second single frame, then two at once.
        queue.append(SharedBytes(Array("one".utf8)))
        #expect(queue.write(to: fds[0]) == .drained)
        queue.append(SharedBytes(Array("two ".utf8)))
        queue.append(SharedBytes(Array("three".utf8)))
        #expect(queue.write(to: fds[0]) == .drained)
        #expect(drain(fds[1]) == Array("onetwo three".utf8))
    }

    @Test func aSingleFrameToAPipeIsWrittenToo() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var queue = OutboundQueue()
        queue.append(SharedBytes(Array("through a pipe".utf8)))
        #expect(queue.write(to: fds[1]) == .drained)
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
        #expect(Array(buffer[0..<max(n, 0)]) == Array("through a pipe".utf8))
        #expect(queue.isEmpty)
    }

    @Test func aQueuedFileCannotBeTaken() throws {
        let fd = open("/dev/null", O_RDONLY)
        #expect(fd >= 0)
        var queue = OutboundQueue()
        queue.append(SharedBytes(Array("head".utf8)))
        queue.appendFile(fd, offset: 0, length: 10)
        #expect(queue.hasFiles)
        #expect(queue.takeBytes() == nil)
        #expect(queue.byteCount == 14)
        queue.discard()
        #expect(!queue.hasFiles)
    }
}
