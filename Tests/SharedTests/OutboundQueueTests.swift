import Glibc
import Testing
@testable import Shared

@Suite struct OutboundQueueTests {
    @Test func unsentBytesCanBeTakenInOrder() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var queue = OutboundQueue()
        queue.append(SharedBytes(Array("hello ".utf8)))
        queue.append(SharedBytes(Array("world".utf8)))
        // Part of it is written: the rest comes out from where the socket stopped.
        #expect(queue.write(to: fds[0]) == .drained)
        queue.append(SharedBytes(Array("abc".utf8)))
        queue.append(SharedBytes(Array("def".utf8)))
        #expect(queue.takeBytes() == Array("abcdef".utf8))
        #expect(queue.isEmpty && queue.byteCount == 0)
        #expect(queue.takeBytes() == [])
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
