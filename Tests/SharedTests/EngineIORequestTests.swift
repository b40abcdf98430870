import Testing
@testable import Shared

private func classify(_ method: HTTPMethod = .get, transport: String? = "polling", sid: String? = nil, eio: String? = "3",
                      jsonp: Bool = false, upgrade: Bool = false) -> EngineIORequest {
    EngineIORequest.classify(method: method, transport: transport, sid: sid, eio: eio, jsonp: jsonp, isWebSocketUpgrade: upgrade)
}

@Suite struct EngineIORequestTests {
    @Test func handshakes() {
        #expect(classify() == .openPolling(.v3))
        #expect(classify(eio: nil) == .openPolling(.v3))
        #expect(classify(eio: "4") == .openPolling(.v4))
        #expect(classify(transport: "websocket", upgrade: true) == .openWebSocket(.v3))
        #expect(classify(transport: "websocket", eio: "4", upgrade: true) == .openWebSocket(.v4))
    }

    @Test func sessionRequests() {
        #expect(classify(sid: "s") == .poll(sid: "s"))
        #expect(classify(.post, sid: "s") == .send(sid: "s"))
        #expect(classify(transport: "websocket", sid: "s", upgrade: true) == .probe(sid: "s"))
        #expect(classify(sid: "s").sid == "s")
        #expect(classify().sid == nil)
        // The version of a running session was fixed at its handshake.
        #expect(classify(sid: "s", eio: "7") == .poll(sid: "s"))
    }

    @Test func refusals() {
        #expect(classify(transport: nil) == .refuse(.unknownTransport))
        #expect(classify(transport: "flashsocket") == .refuse(.unknownTransport))
        #expect(classify(eio: "5") == .refuse(.unsupportedProtocolVersion))
        #expect(classify(eio: "") == .refuse(.unsupportedProtocolVersion))
        #expect(classify(.post) == .refuse(.badHandshakeMethod))
        #expect(classify(.head) == .refuse(.badHandshakeMethod))
        #expect(classify(.put, sid: "s") == .refuse(.badRequest))
        #expect(classify(transport: "websocket") == .refuse(.badRequest))
        #expect(classify(upgrade: true) == .refuse(.badRequest))
        #expect(classify(jsonp: true) == .refuse(.badRequest))
    }

    @Test func preflight() {
        #expect(classify(.options, transport: nil) == .preflight)
    }

    @Test func refusalBodies() {
        #expect(String(decoding: EngineIORefusal.unknownSession.body, as: UTF8.self) == #"{"code":1,"message":"Session ID unknown"}"#)
        #expect(String(decoding: EngineIORefusal.unsupportedProtocolVersion.body, as: UTF8.self)
                == #"{"code":5,"message":"Unsupported protocol version"}"#)
        #expect(EngineIORefusal.badRequest.status == 400)
        #expect(EngineIORefusal.forbidden.status == 403)
    }
}
