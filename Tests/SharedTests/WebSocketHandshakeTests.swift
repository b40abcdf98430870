import Testing
import Shared

private let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

private func check(method: String = "GET", version: (Int, Int) = (1, 1), upgrade: String? = "websocket",
                   connection: String? = "Upgrade", wsVersion: String? = "13", key: String? = sampleKey) -> WebSocketHandshakeResult {
    WebSocketHandshake.validate(method: method, httpVersion: (major: version.0, minor: version.1), upgrade: upgrade,
                                connection: connection, secWebSocketVersion: wsVersion, secWebSocketKey: key)
}

private func status(_ result: WebSocketHandshakeResult) -> Int? {
    if case .reject(let status, _, _) = result { return status }
    return nil
}

/// Counts every value a generator hands out, so tests can see what was drawn.
private struct CountingGenerator: RandomNumberGenerator {
    var value: UInt64 = 0
    mutating func next() -> UInt64 {
        value &+= 0x0101_0101_0101_0101
        return value
    }
}

@Suite struct WebSocketHandshakeTests {
    // RFC 6455 sections 1.3 and 4.2.2.
    @Test func rfcExampleAcceptKey() {
        #expect(WebSocketHandshake.acceptKey(for: sampleKey) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(check() == .accept(acceptKey: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }

    @Test func tokensAreCaseInsensitiveListMembers() {
        let accept = WebSocketHandshakeResult.accept(acceptKey: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(check(upgrade: "WebSocket", connection: "keep-alive, Upgrade") == accept)
        #expect(check(upgrade: "h2c, websocket", connection: "UPGRADE,keep-alive") == accept)
        #expect(check(upgrade: "websocket", connection: "keep-alive,\tupgrade ") == accept)
        #expect(check(wsVersion: " 13 ", key: " \(sampleKey) ") == accept)
        #expect(check(version: (2, 0)) == accept)
    }

    @Test func methodAndHTTPVersion() {
        #expect(status(check(method: "POST")) == 400)
        #expect(status(check(method: "get")) == 400)
        #expect(status(check(method: "POST", upgrade: nil, connection: nil)) == 400)
        #expect(status(check(version: (1, 0))) == 400)
        #expect(status(check(version: (0, 9))) == 400)
    }

    @Test func missingUpgradeAsksForOne() {
        #expect(check(upgrade: nil, connection: nil, wsVersion: nil, key: nil)
                == .reject(status: 426, reason: "WebSocket upgrade required", extraHeaders: [("Upgrade", "websocket")]))
        #expect(status(check(upgrade: nil)) == 426)
    }

    @Test func wrongUpgradeOrConnection() {
        #expect(status(check(upgrade: "h2c")) == 400)
        #expect(status(check(upgrade: "websockets")) == 400)
        #expect(status(check(upgrade: "")) == 400)
        #expect(status(check(connection: nil)) == 400)
        #expect(status(check(connection: "keep-alive")) == 400)
        #expect(status(check(connection: "upgraded")) == 400)
    }

    @Test(arguments: ["8", "12", "14", "13, 8", "", "thirteen"])
    func unsupportedVersionAnswers426WithTheSupportedOne(version: String) {
        #expect(check(wsVersion: version)
                == .reject(status: 426, reason: "unsupported WebSocket version", extraHeaders: [("Sec-WebSocket-Version", "13")]))
    }

    @Test func missingVersionAnswers426() {
        #expect(check(wsVersion: nil)
                == .reject(status: 426, reason: "unsupported WebSocket version", extraHeaders: [("Sec-WebSocket-Version", "13")]))
    }

    @Test(arguments: [
        nil,
        "",
        "not base64!",
        "dGhlIHNhbXBsZSBub25j",          // 15 bytes (and unpadded)
        "dGhlIHNhbXBsZSBub25jZQ",        // 16 bytes without padding
        "dGhlIHNhbXBsZSBub25jZX==",      // non-zero bits under the padding
        "dGhlIHNhbXBsZSBub25jZXM=",      // 17 bytes
        "dGhlIHNhbXBsZSBub25jZSE/Pw==",  // 20 bytes
    ] as [String?])
    func invalidKeyIsABadRequest(key: String?) {
        #expect(check(key: key) == .reject(status: 400, reason: "missing or invalid Sec-WebSocket-Key", extraHeaders: []))
    }

    @Test func switchingProtocolsResponse() {
        let response = WebSocketHandshake.switchingProtocolsResponse(acceptKey: "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(String(decoding: response, as: UTF8.self)
                == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        let withExtra = WebSocketHandshake.switchingProtocolsResponse(acceptKey: "abc=", extraHeaders: [("Server", "chatroom")])
        #expect(String(decoding: withExtra, as: UTF8.self)
                == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: abc=\r\nServer: chatroom\r\n\r\n")
    }

    @Test func clientKeysAreSixteenRandomBytes() throws {
        let first = WebSocketHandshake.generateClientKey()
        let second = WebSocketHandshake.generateClientKey()
        #expect(first != second)
        #expect(try #require(Base64.decode(first)).count == 16)
        #expect(check(key: first) == .accept(acceptKey: WebSocketHandshake.acceptKey(for: first)))

        var generator = CountingGenerator()
        let key = WebSocketHandshake.generateClientKey(using: &generator)
        #expect(Base64.decode(key) == [UInt8](repeating: 1, count: 8) + [UInt8](repeating: 2, count: 8))
    }

    @Test func clientRequest() {
        let request = WebSocketHandshake.clientRequest(host: "127.0.0.1:9001", path: "/ws", key: sampleKey)
        #expect(String(decoding: request, as: UTF8.self)
                == "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    }

    @Test func maskKeysUseBothHalvesOfEachDraw() {
        var source = WebSocketMaskKeySource(generator: CountingGenerator())
        #expect(source.next() == 0x0101_0101)
        #expect(source.next() == 0x0101_0101)
        #expect(source.next() == 0x0202_0202)
        var system = WebSocketMaskKeySource()
        let keys = (0..<8).map { _ in system.next() }
        #expect(Set(keys).count > 1)
    }
}
