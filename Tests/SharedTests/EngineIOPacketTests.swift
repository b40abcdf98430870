import Testing
@testable import Shared

private func decodeError(_ bytes: [UInt8]) -> EngineIOError? {
    do {
        let p = try EngineIOPacket.decode(bytes)
        Issue.record("expected an error, got \(p)")
        return nil
    } catch {
        return error
    }
}

@Suite struct EngineIOPacketTests {
    @Test func versionFromQuery() {
        #expect(EngineIOVersion(queryValue: nil) == .v3)
        #expect(EngineIOVersion(queryValue: "3") == .v3)
        #expect(EngineIOVersion(queryValue: "4") == .v4)
        #expect(EngineIOVersion(queryValue: "5") == nil)
        #expect(EngineIOVersion(queryValue: "") == nil)
        #expect(EngineIOVersion(queryValue: "03") == nil)
    }

    @Test func decodesEveryType() throws {
        let cases: [(String, EngineIOPacketType, String)] = [
            ("0{\"sid\":\"x\"}", .open, "{\"sid\":\"x\"}"), ("1", .close, ""), ("2", .ping, ""), ("3", .pong, ""),
            ("42[\"a\"]", .message, "2[\"a\"]"), ("5", .upgrade, ""), ("6", .noop, ""),
        ]
        for (text, type, data) in cases {
            let p = try EngineIOPacket.decode(Array(text.utf8))
            #expect(p.type == type)
            #expect(p.data == Array(data.utf8))
            #expect(p.text == data)
            #expect(p.encode() == Array(text.utf8))
        }
    }

    @Test func probeIsAnsweredWithProbe() throws {
        let ping = try EngineIOPacket.decode("2probe")
        #expect(ping.type == .ping)
        #expect(ping.text == "probe")
        #expect(EngineIOPacket.pong(answering: ping).encode() == Array("3probe".utf8))
        let pong = try EngineIOPacket.decode(Array("3probe".utf8))
        #expect(pong == EngineIOPacket(.pong, text: "probe"))
        #expect(EngineIOPacket.pong(answering: EngineIOPacket(.ping)).encode() == [UInt8(ascii: "3")])
    }

    @Test func nonASCIIData() throws {
        let p = try EngineIOPacket.decode("42[\"message\",\"你好 😀👍\"]")
        #expect(p.type == .message)
        #expect(p.text == "2[\"message\",\"你好 😀👍\"]")
        var out: [UInt8] = [0xAA]
        p.encode(into: &out)
        #expect(out == [0xAA] + Array("42[\"message\",\"你好 😀👍\"]".utf8))
    }

    @Test func malformedPackets() {
        #expect(decodeError([]) == .emptyPacket)
        #expect(decodeError(Array("7".utf8)) == .unknownPacketType(UInt8(ascii: "7")))
        #expect(decodeError(Array("x".utf8)) == .unknownPacketType(UInt8(ascii: "x")))
        #expect(decodeError([0x2F]) == .unknownPacketType(0x2F))
        #expect(decodeError(Array("b4AAEC".utf8)) == .binaryNotSupported)
        #expect(decodeError([UInt8(ascii: "4"), 0xC3]) == .invalidUTF8(offset: 1))
        #expect(decodeError([UInt8(ascii: "4"), 0x61, 0xED, 0xA0, 0x80]) == .invalidUTF8(offset: 2))
    }

    @Test func openPacketExactBytes() {
        let open = EngineIOOpenPacket(sid: "Q7kx3M2cZy9Lq0Vb1Hn4")
        let v3 = String(decoding: open.encode(for: .v3), as: UTF8.self)
        #expect(v3 == #"0{"sid":"Q7kx3M2cZy9Lq0Vb1Hn4","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}"#)
        #expect(UTF16Length.count(v3) == 97)
        let v4 = String(decoding: open.encode(for: .v4), as: UTF8.self)
        #expect(
            v4 == #"0{"sid":"Q7kx3M2cZy9Lq0Vb1Hn4","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
        )
        let direct = EngineIOOpenPacket(sid: "abc", upgrades: [], pingInterval: 1000, pingTimeout: 500, maxPayload: 8_388_608)
        #expect(
            direct.encode(for: .v4)
                == Array(#"0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":8388608}"#.utf8))
        #expect(direct.encode(for: .v3) == Array(#"0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#.utf8))
    }

    @Test func utf16Lengths() {
        #expect(UTF16Length.count("") == 0)
        #expect(UTF16Length.count("abc") == 3)
        #expect(UTF16Length.count("é") == 1)
        #expect(UTF16Length.count("€") == 1)
        #expect(UTF16Length.count("😀") == 2)
        #expect(UTF16Length.count("你好 😀👍") == 7)
        #expect(UTF16Length.count("42[\"message\",\"你好 😀👍\"]") == 23)
        // The 8-byte word path and the byte tail must agree with the stdlib on every split.
        let text = "abcdefgh你好 😀👍 ééé €€ 𝄞 plain ascii tail 0123456789 😀"
        let bytes = Array(text.utf8)
        for start in 0..<bytes.count {
            let slice = Array(bytes[start...])
            let expected = String(decoding: slice, as: UTF8.self).utf16.count
            if slice.first.map({ $0 & 0xC0 != 0x80 }) ?? true {  // only slices that start on a character
                #expect(UTF16Length.count(slice) == expected, "from byte \(start)")
            }
        }
        #expect(UTF16Length.validatedCount(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect([0x61, 0xFF].withUnsafeBytes { UTF16Length.validatedCount($0) } == nil)
        #expect(Array("😀a".utf8).withUnsafeBytes { UTF16Length.validatedCount($0) } == 3)
    }
}
