import Testing
@testable import Shared

@Suite("Client address keys")
struct ClientAddressTests {
    @Test func ipv4IsMappedIntoIPv6() throws {
        let v4 = try #require(ClientAddress(numeric: "192.0.2.7"))
        let mapped = try #require(ClientAddress(numeric: "::ffff:192.0.2.7"))
        #expect(v4 == mapped, "one client reaching a dual-stack listener both ways is one address")
        #expect(v4.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 7])
        #expect(v4.description == "192.0.2.7")
    }

    @Test func ipv6KeepsAllSixteenBytes() throws {
        let a = try #require(ClientAddress(numeric: "2001:db8::1"))
        let b = try #require(ClientAddress(numeric: "2001:db8::2"))
        #expect(a != b)
        #expect(a.bytes.count == 16)
        #expect(a.description == "2001:db8::1")
    }

    @Test func fromASocketAddress() throws {
        let peer = try SocketAddress.resolve(host: "198.51.100.9", port: 40_000)
        #expect(ClientAddress(peer) == ClientAddress(numeric: "198.51.100.9"), "the port is not part of the key")
    }

    @Test func onlyTheProxyLoopbackAddressesAreExempt() {
        #expect(ClientAddress(numeric: "127.0.0.1")!.isProxyLoopback)
        #expect(ClientAddress(numeric: "::1")!.isProxyLoopback)
        #expect(ClientAddress(numeric: "::ffff:127.0.0.1")!.isProxyLoopback)
        #expect(!ClientAddress(numeric: "127.0.0.2")!.isProxyLoopback)
        #expect(!ClientAddress(numeric: "10.0.0.1")!.isProxyLoopback)
    }

    @Test func refusesNamesAndGarbage() {
        #expect(ClientAddress(numeric: "localhost") == nil)
        #expect(ClientAddress(numeric: "1.2.3") == nil)
        #expect(ClientAddress(numeric: "") == nil)
    }
}
