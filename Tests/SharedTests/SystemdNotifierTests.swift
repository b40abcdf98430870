import Glibc
import Testing
@testable import Shared

@Suite struct SystemdNotifierTests {
    private let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!

    @Test func formatsTheStateStrings() {
        #expect(SystemdNotification.ready(status: "serving on 127.0.0.1:5200, 4 workers", mainPid: 1234).message
                == "READY=1\nSTATUS=serving on 127.0.0.1:5200, 4 workers\nMAINPID=1234")
        #expect(SystemdNotification.reloading(status: "reloading workers", monotonicMicroseconds: 987_654_321).message
                == "RELOADING=1\nSTATUS=reloading workers\nMONOTONIC_USEC=987654321")
        #expect(SystemdNotification.stopping(status: "stopping").message == "STOPPING=1\nSTATUS=stopping")
        #expect(SystemdNotification.status("reloading workers 2/4").message == "STATUS=reloading workers 2/4")
    }

    @Test func keepsAStatusOnOneLine() {
        // A newline in the text would smuggle in an assignment such as READY=1.
        #expect(SystemdNotification.status("bad\nREADY=1\r\n").message == "STATUS=bad READY=1 ")
        #expect(SystemdNotification.status("a\rb\u{2028}c").message == "STATUS=a b c")
    }

    @Test func pathAddressIsNulTerminated() throws {
        let address = try #require(SystemdNotifier.address(for: "/run/systemd/notify"))
        #expect(address.path == Array("/run/systemd/notify".utf8) + [0])
        #expect(Int(address.length) == pathOffset + 19 + 1)
    }

    @Test func abstractAddressStartsWithNulAndHasNoTerminator() throws {
        let address = try #require(SystemdNotifier.address(for: "@chatroom/notify"))
        #expect(address.path == [0] + Array("chatroom/notify".utf8))
        #expect(Int(address.length) == pathOffset + 1 + 15)
    }

    @Test func refusesWhatIsNotAUnixSocketName() {
        #expect(SystemdNotifier.address(for: "") == nil)
        #expect(SystemdNotifier.address(for: "@") == nil)
        #expect(SystemdNotifier.address(for: "relative/path") == nil)
        #expect(SystemdNotifier.address(for: "vsock:2:1234") == nil)
        #expect(SystemdNotifier.address(for: "/" + String(repeating: "x", count: 106)) != nil)
        #expect(SystemdNotifier.address(for: "/" + String(repeating: "x", count: 107)) == nil)
        #expect(SystemdNotifier.address(for: "@" + String(repeating: "x", count: 107)) != nil)
        #expect(SystemdNotifier.address(for: "@" + String(repeating: "x", count: 108)) == nil)
    }

    @Test func withoutASocketNothingIsSent() {
        #expect(!SystemdNotifier(address: nil).isEnabled)
        #expect(!SystemdNotifier(address: nil).send(.status("x")))
    }

    @Test func sendsOneDatagramToAnAbstractSocket() throws {
        let name = "@chatroom-test-\(getpid())-\(Clock.monotonicNanoseconds())"
        let address = try #require(SystemdNotifier.address(for: name))
        let receiver = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #expect(receiver >= 0)
        defer { close(receiver) }
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: address.path) }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, address.length) }
        }
        #expect(bound == 0)

        #expect(SystemdNotifier(address: address).send(.stopping(status: "stopping")))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(n > 0)
        #expect(String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self) == "STOPPING=1\nSTATUS=stopping")
    }
}
