import Testing
@testable import Shared

private func decode(_ text: String, _ version: EngineIOVersion = .v3, maxPackets: Int = 1000) throws(EngineIOError) -> [String] {
    try EngineIOPayload.decode(Array(text.utf8), version: version, maxPackets: maxPackets).map {
        String(decoding: $0.encode(), as: UTF8.self)
    }
}

private func decodeError(_ bytes: [UInt8], _ version: EngineIOVersion = .v3, maxPackets: Int = 1000) -> EngineIOError? {
    do {
        let p = try EngineIOPayload.decode(bytes, version: version, maxPackets: maxPackets)
        Issue.record("expected an error, got \(p)")
        return nil
    } catch {
        return error
    }
}

private func decodeError(_ text: String, _ version: EngineIOVersion = .v3, maxPackets: Int = 1000) -> EngineIOError? {
    decodeError(Array(text.utf8), version, maxPackets: maxPackets)
}

private func encoded(_ packets: [String], _ version: EngineIOVersion) -> String {
    String(decoding: EngineIOPayload.encode(encodedPackets: packets.map { Array($0.utf8) }, version: version), as: UTF8.self)
}

@Suite struct EngineIOPayloadTests {
    @Test func handshakeExample() throws {
        let body = #"97:0{"sid":"Q7kx3M2cZy9Lq0Vb1Hn4","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}2:40"#
        let packets = try EngineIOPayload.decode(Array(body.utf8), version: .v3)
        #expect(packets.count == 2)
        #expect(packets[0].type == .open)
        #expect(packets[0].text == #"{"sid":"Q7kx3M2cZy9Lq0Vb1Hn4","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#)
        #expect(packets[1] == EngineIOPacket(.message, text: "0"))

        var w = EngineIOPayloadWriter(version: .v3)
        w.append(encodedPacket: EngineIOOpenPacket(sid: "Q7kx3M2cZy9Lq0Vb1Hn4").encode(for: .v3))
        w.append(encodedPacket: SocketIOPacket.encodeConnect(sid: nil, asEngineIOMessage: true))
        #expect(w.packetCount == 2)
        #expect(String(decoding: w.finish(), as: UTF8.self) == body)
    }

    @Test func eio3LengthsCountUTF16Units() throws {
        // ASCII, 2-byte, 3-byte and 4-byte characters.
        #expect(encoded(["42[\"m\",\"a\"]"], .v3) == "11:42[\"m\",\"a\"]")
        #expect(encoded(["4é"], .v3) == "2:4é")
        #expect(encoded(["4€"], .v3) == "2:4€")
        #expect(encoded(["4😀"], .v3) == "3:4😀")
        #expect(encoded(["42[\"message\",\"你好 😀👍\"]"], .v3) == "23:42[\"message\",\"你好 😀👍\"]")
        #expect(try decode("23:42[\"message\",\"你好 😀👍\"]") == ["42[\"message\",\"你好 😀👍\"]"])
        #expect(try decode("2:4é3:4😀2:4€1:2") == ["4é", "4😀", "4€", "2"])
        // A byte length (31) instead of 23 runs past the end; that is the bug this framing invites.
        #expect(decodeError("31:42[\"message\",\"你好 😀👍\"]") == .lengthPastEnd(offset: 3))
    }

    @Test func severalPacketsOnePayload() throws {
        let events = [
            #"42["room",{"name":"alice","src":"x","roomid":"1"}]"#,
            #"42["message",{"msg":"你好 😀👍","roomid":"1","api_token":"t"}]"#, "2", "1",
        ]
        let body = encoded(events, .v3)
        #expect(body.hasPrefix("50:42[\"room\""))
        #expect(try decode(body) == events)
        let packets = try EngineIOPayload.decode(Array(body.utf8), version: .v3)
        #expect(packets.map(\.type) == [.message, .message, .ping, .close])
        #expect(EngineIOPayload.encode(packets, version: .v3) == Array(body.utf8))
    }

    @Test func noopAndEmptyPackets() throws {
        #expect(try decode("1:6") == ["6"])
        // engine.io-parser 2.x skips zero-length packets.
        #expect(try decode("0:1:6") == ["6"])
        #expect(try decode("0:") == [])
        #expect(EngineIOPayload.encode([], version: .v3) == Array("0:".utf8))
        #expect(EngineIOPayload.encode([], version: .v4) == [])
        #expect(EngineIOPayload.encode([EngineIOPacket(.noop)], version: .v3) == Array("1:6".utf8))
        #expect(EngineIOPayload.encode([EngineIOPacket(.close)], version: .v3) == Array("1:1".utf8))
    }

    @Test func malformedEIO3Payloads() {
        #expect(decodeError("") == .emptyPayload)
        #expect(decodeError(":42") == .invalidLength(offset: 0))
        #expect(decodeError("a:42") == .invalidLength(offset: 0))
        #expect(decodeError("1a:4") == .invalidLength(offset: 1))
        #expect(decodeError("-1:4") == .invalidLength(offset: 0))
        #expect(decodeError(" 1:4") == .invalidLength(offset: 0))
        #expect(decodeError("1234567890:4") == .invalidLength(offset: 9))
        #expect(decodeError("12") == .missingColon(offset: 0))
        #expect(decodeError("1:61") == .missingColon(offset: 3))
        #expect(decodeError("1:6x") == .invalidLength(offset: 3))
        #expect(decodeError("5:42") == .lengthPastEnd(offset: 2))
        #expect(decodeError("3:4") == .lengthPastEnd(offset: 2))
        // Length 2 ends between the two UTF-16 units of 😀.
        #expect(decodeError("2:4😀") == .lengthSplitsCharacter(offset: 3))
        #expect(decodeError("1:7") == .unknownPacketType(UInt8(ascii: "7")))
        #expect(decodeError("6:b4AAEC") == .binaryNotSupported)
        #expect(decodeError([UInt8(ascii: "2"), UInt8(ascii: ":"), UInt8(ascii: "4"), 0xFF]) == .invalidUTF8(offset: 3))
        #expect(decodeError([UInt8(ascii: "2"), UInt8(ascii: ":"), UInt8(ascii: "4"), 0xE4, 0xBD]) == .invalidUTF8(offset: 3))
    }

    @Test func maxPacketsGuard() throws {
        let three = "1:21:21:2"
        #expect(try decode(three, maxPackets: 3).count == 3)
        #expect(decodeError(three, maxPackets: 2) == .tooManyPackets(limit: 2))
        #expect(try decode("2\u{1E}2\u{1E}2", .v4, maxPackets: 3).count == 3)
        #expect(decodeError("2\u{1E}2\u{1E}2", .v4, maxPackets: 2) == .tooManyPackets(limit: 2))
    }

    @Test func eio4RecordSeparator() throws {
        let packets = ["0{\"sid\":\"abc\"}", "40{\"sid\":\"s\"}", "42[\"message\",\"你好 😀👍\"]", "2", "3probe"]
        let body = encoded(packets, .v4)
        #expect(body == packets.joined(separator: "\u{1E}"))
        #expect(try decode(body, .v4) == packets)
        #expect(try decode("40", .v4) == ["40"])
        #expect(try decode("6", .v4) == ["6"])
        var w = EngineIOPayloadWriter(version: .v4)
        w.append(EngineIOPacket(.message, text: "2[\"a\"]"))
        w.append(EngineIOPacket(.ping))
        #expect(w.finish() == Array("42[\"a\"]\u{1E}2".utf8))
    }

    @Test func malformedEIO4Payloads() {
        #expect(decodeError("", .v4) == .emptyPayload)
        #expect(decodeError("2\u{1E}", .v4) == .emptyPacket)
        #expect(decodeError("\u{1E}2", .v4) == .emptyPacket)
        #expect(decodeError("2\u{1E}\u{1E}3", .v4) == .emptyPacket)
        #expect(decodeError("4hi\u{1E}bAQID", .v4) == .binaryNotSupported)
        #expect(decodeError("9", .v4) == .unknownPacketType(UInt8(ascii: "9")))
        #expect(decodeError([UInt8(ascii: "4"), 0x1E, UInt8(ascii: "4"), 0xC0, 0x80], .v4) == .invalidUTF8(offset: 3))
    }

    @Test func writerWithPacketStructsCountsTheTypeDigit() {
        var w = EngineIOPayloadWriter(version: .v3, reservingCapacity: 64)
        #expect(w.isEmpty)
        w.append(EngineIOPacket(.message, text: "2[\"m\",\"😀\"]"))
        w.append(EngineIOPacket(.pong))
        #expect(String(decoding: w.finish(), as: UTF8.self) == "12:42[\"m\",\"😀\"]1:3")
    }
}
