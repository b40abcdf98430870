import Testing
@testable import chatroom_bench

@Suite struct BenchOptionsTests {
    @Test func defaults() throws {
        let o = try BenchOptions.parse(["broadcast"])
        #expect(o.scenario == .broadcast)
        #expect(o.host == "127.0.0.1" && o.port == 5200)
        #expect(o.connections == 100 && o.senders == 10 && o.rate == 100 && o.window == 8)
        #expect(o.resolvedPath == "/ws")
        #expect(!o.usesSocketIO)
    }

    @Test func allOptions() throws {
        let o = try BenchOptions.parse(["broadcast", "-c", "1000", "-s", "4", "-R", "0", "-w", "16", "-d", "2.5",
                                        "--drain", "1", "--rooms", "4", "--sio", "--token", "abc", "--port", "8080",
                                        "--pid", "10", "--pid", "11", "--json", "-q", "--max-pending", "32"])
        #expect(o.connections == 1000 && o.senders == 4 && o.rate == 0 && o.window == 16)
        #expect(o.duration == 2.5 && o.drain == 1 && o.rooms == 4 && o.sio && o.token == "abc")
        #expect(o.port == 8080 && o.pids == [10, 11] && o.json && o.quiet && o.maxPending == 32)
        #expect(o.resolvedPath == "/socket.io/?EIO=4&transport=websocket")
    }

    @Test func urls() throws {
        let o = try BenchOptions.parse(["echo", "ws://127.0.0.2:9000/echo?x=1"])
        #expect(o.host == "127.0.0.2" && o.port == 9000 && o.resolvedPath == "/echo?x=1")
        let sio = try BenchOptions.parse(["connect", "ws://localhost:81/socket.io/?EIO=4&transport=websocket"])
        #expect(sio.host == "localhost" && sio.port == 81 && sio.usesSocketIO)
        #expect(try BenchOptions.parse(["echo"]).resolvedPath == "/echo")
        #expect(try BenchOptions.parse(["chat", "--database-url", "postgres://x"]).usesSocketIO)
    }

    @Test(arguments: ["10.0.0.1", "example.com", "128.0.0.1", "127.0.0", "127.0.0.256", "0.0.0.0", "::1"])
    func refusesNonLoopback(host: String) {
        #expect(throws: BenchOptions.ParseError.self) { try BenchOptions.parse(["connect", "--host", host]) }
        #expect(throws: BenchOptions.ParseError.self) { try BenchOptions.parse(["connect", "ws://\(host):80/ws"]) }
    }

    @Test func acceptsLoopback() throws {
        #expect(try BenchOptions.parse(["connect", "--host", "127.1.2.3"]).host == "127.1.2.3")
        #expect(BenchOptions.isLoopback("localhost"))
    }

    @Test(arguments: [
        ["nope"], [], ["echo", "-c"], ["echo", "-c", "0"], ["echo", "-c", "x"], ["broadcast", "-R", "-1"],
        ["broadcast", "-c", "5", "-s", "6"], ["chat"], ["echo", "--port", "70000"], ["echo", "--bogus"],
    ])
    func rejects(arguments: [String]) {
        #expect(throws: BenchOptions.ParseError.self) { try BenchOptions.parse(arguments) }
    }
}
