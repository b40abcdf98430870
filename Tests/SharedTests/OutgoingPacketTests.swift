import Testing
@testable import Shared

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite struct OutgoingPacketTests {
    @Test func eventText() {
        #expect(text(OutgoingPacket.event("message", .object(["a": 1])).packetBytes) == #"42["message",{"a":1}]"#)
        #expect(text(OutgoingPacket.event("count", .string("x")).packetBytes) == #"42["count","x"]"#)
        #expect(text(OutgoingPacket.event("e", arguments: []).packetBytes) == #"42["e"]"#)
        #expect(text(OutgoingPacket.event("e", arguments: [1, "b", .null]).packetBytes) == #"42["e",1,"b",null]"#)
        #expect(text(OutgoingPacket.event("e", payloadJSON: Array("[1,2]".utf8)).packetBytes) == #"42["e",[1,2]]"#)
    }

    @Test func ackText() {
        #expect(text(OutgoingPacket.ack(7, [.object(["id": 41])]).packetBytes) == #"437[{"id":41}]"#)
        #expect(text(OutgoingPacket.ack(0, []).packetBytes) == "430[]")
    }

    @Test func frameIsBuiltOnceAndShared() {
        let packet = OutgoingPacket.event("message", .string("héllo 👋"))
        #expect(!packet.hasWebSocketFrame)
        let first = packet.webSocketFrame
        #expect(packet.hasWebSocketFrame)
        #expect(packet.webSocketFrame === first)
        let payload = packet.packetBytes
        #expect(first.count == 2 + payload.count)
        #expect(first.bytes[0] == 0x81)  // FIN + text
        #expect(Int(first.bytes[1]) == payload.count)  // unmasked, short length
        #expect(Array(first.bytes[2...]) == payload)
    }

    @Test func longFrameHeader() {
        let big = String(repeating: "x", count: 70_000)
        let packet = OutgoingPacket.event("m", .string(big))
        let frame = packet.webSocketFrame
        #expect(frame.bytes[1] == 127)
        #expect(frame.count == 10 + packet.packetBytes.count)
        #expect(Array(frame.bytes[10...]) == packet.packetBytes)
    }

    @Test func roundTripThroughBytes() {
        let packet = OutgoingPacket.event("room", .object(["roomid": "1"]))
        let copy = OutgoingPacket(packet: packet.packetBytes)
        #expect(copy.packetBytes == packet.packetBytes)
        #expect(copy.webSocketFrame.array == packet.webSocketFrame.array)
    }

    @Test func samePacketInBothPollingFramings() throws {
        let packet = OutgoingPacket.event("m", .string("€😀"))
        var v3 = EngineIOPayloadWriter(version: .v3)
        v3.append(encodedPacket: packet.packetBytes)
        v3.append(encodedPacket: packet.packetBytes)
        let body3 = v3.finish()
        // 42["m","€😀"] is 13 UTF-16 units (12 characters, the emoji counts two).
        #expect(text(body3) == #"13:42["m","€😀"]13:42["m","€😀"]"#)
        #expect(try EngineIOPayload.decode(body3, version: .v3).map { $0.encode() } == [packet.packetBytes, packet.packetBytes])
        var v4 = EngineIOPayloadWriter(version: .v4)
        v4.append(encodedPacket: packet.packetBytes)
        v4.append(encodedPacket: packet.packetBytes)
        #expect(try EngineIOPayload.decode(v4.finish(), version: .v4).map { $0.encode() } == [packet.packetBytes, packet.packetBytes])
    }
}
