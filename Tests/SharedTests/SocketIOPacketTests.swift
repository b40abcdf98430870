import Testing
@testable import Shared

private func decodeError(_ text: String) -> SocketIOError? {
    do {
        let p = try SocketIOPacket.decode(text)
        Issue.record("expected an error, got \(p)")
        return nil
    } catch {
        return error
    }
}

private func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite struct SocketIOPacketTests {
    // MARK: decoding

    @Test func eventFromEngineIOMessage() throws {
        let frame = Array(#"42["message",{"a":1}]"#.utf8)
        let engine = try EngineIOPacket.decode(frame)
        #expect(engine.type == .message)
        let p = try SocketIOPacket.decode(engine.data)
        #expect(p.type == .event)
        #expect(p.namespace == "/")
        #expect(p.ackId == nil)
        #expect(p.eventName == "message")
        #expect(p.arguments == [.object(["a": 1])])
        #expect(p.dataRange == 1..<20)
        #expect(Array(engine.data[p.dataRange!]) == Array(#"["message",{"a":1}]"#.utf8))
    }

    @Test func tutorialEvents() throws {
        let p = try SocketIOPacket.decode(
            #"2["message",{"username":"alice@example.com","src":"a.png","img":"","msg":"你好 😀👍 \ud83d\ude00","roomid":"1","time":"2019-12-11T08:00:00.000Z","api_token":"tok"}]"#
        )
        #expect(p.eventName == "message")
        let payload = try #require(p.arguments.first)
        #expect(payload["msg"]?.stringValue == "你好 😀👍 😀")
        #expect(payload["roomid"]?.intValueAcceptingNumericString == 1)
        #expect(payload["api_token"]?.stringValue == "tok")

        let login = try SocketIOPacket.decode(#"2["login",{"name":"alice"}]"#)
        #expect(login.eventName == "login")
        #expect(login.arguments == [.object(["name": "alice"])])

        let bare = try SocketIOPacket.decode(#"2["ping"]"#)
        #expect(bare.eventName == "ping")
        #expect(bare.arguments == [])

        let many = try SocketIOPacket.decode(#"2["x",1,"two",[3],null]"#)
        #expect(many.arguments == [1, "two", [3], .null])
    }

    @Test func acksAndAckIds() throws {
        let ack = try SocketIOPacket.decode(#"31["x"]"#)
        #expect(ack.type == .ack)
        #expect(ack.ackId == 1)
        #expect(ack.arguments == ["x"])
        #expect(ack.eventName == nil)

        let eventWanting = try SocketIOPacket.decode(#"2123["message",{"msg":"hi"}]"#)
        #expect(eventWanting.type == .event)
        #expect(eventWanting.ackId == 123)
        #expect(eventWanting.eventName == "message")
        #expect(eventWanting.arguments == [["msg": "hi"]])

        let empty = try SocketIOPacket.decode("30[]")
        #expect(empty.ackId == 0)
        #expect(empty.arguments == [])
    }

    @Test func namespaces() throws {
        let p = try SocketIOPacket.decode(#"2/chat,["hi",1]"#)
        #expect(p.namespace == "/chat")
        #expect(p.eventName == "hi")
        #expect(p.arguments == [1])

        let withAck = try SocketIOPacket.decode(#"2/chat,7["hi"]"#)
        #expect(withAck.namespace == "/chat")
        #expect(withAck.ackId == 7)

        let connect = try SocketIOPacket.decode("0/admin,")
        #expect(connect.type == .connect)
        #expect(connect.namespace == "/admin")
        #expect(connect.data == nil)

        // socket.io-parser reads a namespace to the end when no comma follows.
        let disconnect = try SocketIOPacket.decode("1/admin")
        #expect(disconnect.type == .disconnect)
        #expect(disconnect.namespace == "/admin")

        let connectAuth = try SocketIOPacket.decode(#"0/admin,{"token":"t"}"#)
        #expect(connectAuth.namespace == "/admin")
        #expect(connectAuth.data?["token"] == "t")
    }

    @Test func connectWithAndWithoutPayload() throws {
        let bare = try SocketIOPacket.decode("0")
        #expect(bare.type == .connect)
        #expect(bare.data == nil)
        #expect(bare.dataRange == nil)

        let empty = try SocketIOPacket.decode("0{}")
        #expect(empty.data == .object([:]))

        let auth = try SocketIOPacket.decode(#"0{"token":"abc","api_token":"def"}"#)
        #expect(auth.data?["token"]?.stringValue == "abc")
        #expect(auth.data?["api_token"]?.stringValue == "def")

        #expect(try SocketIOPacket.decode("1").type == .disconnect)
        #expect(try SocketIOPacket.decode(#"4{"message":"no"}"#).data?["message"] == "no")
        #expect(try SocketIOPacket.decode(#"4"no""#).data == "no")
    }

    @Test func malformedPackets() {
        #expect(decodeError("") == .emptyPacket)
        #expect(decodeError("7") == .unknownPacketType(UInt8(ascii: "7")))
        #expect(decodeError("x[]") == .unknownPacketType(UInt8(ascii: "x")))
        #expect(decodeError(#"51-["x",{"_placeholder":true,"num":0}]"#) == .binaryNotSupported)
        #expect(decodeError("61-0[]") == .binaryNotSupported)
        #expect(decodeError(#"21x["a"]"#) == .garbageAfterAckId)
        #expect(decodeError(#"21 ["a"]"#) == .garbageAfterAckId)
        #expect(decodeError(#"2{"a":1}"#) == .eventDataNotArray)
        #expect(decodeError(#"2"message""#) == .eventDataNotArray)
        #expect(decodeError("2") == .eventDataNotArray)
        #expect(decodeError("2[]") == .eventArrayEmpty)
        #expect(decodeError("2[1,2]") == .eventNameNotString)
        #expect(decodeError("2[null]") == .eventNameNotString)
        #expect(decodeError(#"2["a",]"#) == .invalidJSON(JSONError(offset: 5, reason: .unexpectedByte(UInt8(ascii: "]")))))
        #expect(decodeError(#"2["a"]x"#) == .invalidJSON(JSONError(offset: 5, reason: .trailingData)))
        #expect(decodeError("2x") == .invalidJSON(JSONError(offset: 0, reason: .unexpectedByte(UInt8(ascii: "x")))))
        #expect(decodeError(#"3{"a":1}"#) == .invalidPayload(.ack))
        #expect(decodeError("3") == .invalidPayload(.ack))
        #expect(decodeError(#"0["a"]"#) == .invalidPayload(.connect))
        #expect(decodeError(#"0"sid""#) == .invalidPayload(.connect))
        #expect(decodeError("1{}") == .invalidPayload(.disconnect))
        #expect(decodeError("4[1]") == .invalidPayload(.connectError))
        #expect(decodeError(#"21234567890123456["a"]"#) == .invalidAckId)
        #expect(decodeError("2" + String(repeating: "[", count: 70) + "\"a\"" + String(repeating: "]", count: 70))
            == .invalidJSON(JSONError(offset: 64, reason: .depthLimitExceeded)))
        let badNamespace: [UInt8] = [UInt8(ascii: "2"), UInt8(ascii: "/"), 0xFF, UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]")]
        #expect(throws: SocketIOError.invalidNamespace) { try SocketIOPacket.decode(badNamespace) }
    }

    @Test func probesBelongToEngineIO() throws {
        // `2probe`/`3probe` are Engine.IO ping/pong, never handed to the Socket.IO decoder.
        let probe = try EngineIOPacket.decode("2probe")
        #expect(probe.type == .ping)
        #expect(probe.text == "probe")
        let upgrade = try EngineIOPacket.decode("5")
        #expect(upgrade.type == .upgrade)
    }

    // MARK: encoding

    @Test func encodeEvents() {
        let payload = Array(#"{"id":41,"msg":"你好 😀👍"}"#.utf8)
        #expect(string(SocketIOPacket.encodeEvent(name: "message", payloadJSON: payload)) == #"2["message",{"id":41,"msg":"你好 😀👍"}]"#)
        #expect(
            string(SocketIOPacket.encodeEvent(name: "message", payloadJSON: payload, asEngineIOMessage: true))
                == #"42["message",{"id":41,"msg":"你好 😀👍"}]"#)
        #expect(string(SocketIOPacket.encodeEvent(name: "login", payloadJSON: Array(#""登录后才能进入聊天室""#.utf8), asEngineIOMessage: true))
            == #"42["login","登录后才能进入聊天室"]"#)
        #expect(string(SocketIOPacket.encodeEvent(name: "tick", payloadJSON: [])) == #"2["tick"]"#)
        #expect(string(SocketIOPacket.encodeEvent(name: "a\"b", payloadJSON: Array("1".utf8), ackId: 12, namespace: "/chat"))
            == #"2/chat,12["a\"b",1]"#)
    }

    @Test func eventPrefixForDirectWriting() {
        var o = JSONObjectWriter(prefix: SocketIOPacket.eventPrefix(name: "message", asEngineIOMessage: true))
        o.add("roomid", int: 1)
        #expect(string(o.finish(suffix: [UInt8(ascii: "]")])) == #"42["message",{"roomid":1}]"#)
    }

    @Test func encodeAcks() {
        #expect(string(SocketIOPacket.encodeAck(id: 1, argumentsJSON: Array(#"["x"]"#.utf8))) == #"31["x"]"#)
        #expect(
            string(SocketIOPacket.encodeAck(id: 431, argumentsJSON: Array(#"[{"id":41,"seq":7}]"#.utf8), asEngineIOMessage: true))
                == #"43431[{"id":41,"seq":7}]"#)
        #expect(string(SocketIOPacket.encodeAck(id: 0, argumentsJSON: [])) == "30[]")
    }

    @Test func encodeConnectDisconnectAndErrors() {
        #expect(string(SocketIOPacket.encodeConnect(sid: nil)) == "0")
        #expect(string(SocketIOPacket.encodeConnect(sid: nil, asEngineIOMessage: true)) == "40")
        #expect(string(SocketIOPacket.encodeConnect(sid: "abc-_123", asEngineIOMessage: true)) == #"40{"sid":"abc-_123"}"#)
        #expect(string(SocketIOPacket.encodeConnect(sid: "s", namespace: "/chat")) == #"0/chat,{"sid":"s"}"#)
        #expect(string(SocketIOPacket.encodeConnectError(message: "Not \"authorized\"", asEngineIOMessage: true))
            == #"44{"message":"Not \"authorized\""}"#)
        #expect(string(SocketIOPacket.encodeDisconnect()) == "1")
        #expect(string(SocketIOPacket.encodeDisconnect(asEngineIOMessage: true)) == "41")
        #expect(string(SocketIOPacket.encodeDisconnect(namespace: "/chat")) == "1/chat,")
    }

    @Test func encodeDecodeRoundTrip() throws {
        let packets = [
            SocketIOPacket(type: .event, data: ["room", ["roomid": "1"]]),
            SocketIOPacket(type: .event, namespace: "/x", ackId: 5, data: ["a"]),
            SocketIOPacket(type: .ack, ackId: 9, data: [["id": 1]]),
            SocketIOPacket(type: .connect, data: ["sid": "q"]),
            SocketIOPacket(type: .connect),
            SocketIOPacket(type: .disconnect),
            SocketIOPacket(type: .connectError, data: ["message": "no"]),
        ]
        for packet in packets {
            let bytes = packet.encode()
            var back = try SocketIOPacket.decode(bytes)
            back.dataRange = nil
            #expect(back == packet, "\(string(bytes))")
            #expect(packet.encode(asEngineIOMessage: true) == [UInt8(ascii: "4")] + bytes)
        }
    }
}
