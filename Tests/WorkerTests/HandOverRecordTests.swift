import Shared
import Testing
@testable import Worker

private let alice = UserProfile(id: 7, name: "alice", email: "alice@example.com", avatar: "/a.png")

private func roundTrip(_ record: HandOverRecord) -> HandOverRecord? {
    record.encoded().withUnsafeBytes { HandOverRecord(decoding: $0) }
}

private func session(polling: Bool, chat: ChatSnapshot?) -> EngineIOSessionSnapshot {
    EngineIOSessionSnapshot(path: "/socket.io/", sid: "AAabcdefghijklmnopqrst", version: .v4,
                            query: [("api_token", "tok"), ("EIO", "4")], remoteAddress: "127.0.0.1:5000",
                            ownRow: polling ? ConnectionHandle(index: 3, connectionId: 99) : nil,
                            queued: polling ? [Array("42[\"message\",{}]".utf8), Array("2".utf8)] : [],
                            socketState: .connected, namespaceSocketId: "nsid", chat: chat,
                            openedAt: 1_000, lastReceivedAt: 2_000, pingSentAt: polling ? 2_500 : nil, nextPingAt: 27_000)
}

@Suite struct HandOverRecordTests {
    @Test func everyKindOfRecordSurvivesTheTrip() {
        let chat = ChatSnapshot(user: alice, room: 2, unread: [1: 4, 2: 0], countWanted: true)
        let records: [HandOverRecord] = [
            .connection(row: ConnectionHandle(index: 1, connectionId: 42), unread: Array("GET / HT".utf8),
                        unsent: [0x81, 0x02, 0x68, 0x69], .http(served: true)),
            .connection(row: ConnectionHandle(index: 1, connectionId: 41), unread: [], unsent: [], .http(served: false)),
            .connection(row: ConnectionHandle(index: 2, connectionId: 43), unread: [], unsent: [], .webSocket(.broadcast)),
            .connection(row: ConnectionHandle(index: 2, connectionId: 44), unread: [], unsent: [], .webSocket(.echo)),
            .connection(row: ConnectionHandle(index: 5, connectionId: 45), unread: [1, 2, 3], unsent: [],
                        .engineIO(session(polling: false, chat: chat))),
            .pollingSession(session(polling: true, chat: ChatSnapshot(user: nil, room: nil, unread: nil, countWanted: false))),
            .pollingSession(session(polling: true, chat: nil)),
            .presence([HandOverRecord.PresenceEntry(slot: 1, room: 2, count: 3, profile: alice)]),
            .presence([]),
            .end(HandOverEnd(id: 12, complete: true)),
            .end(HandOverEnd(id: 13, complete: false)),
        ]
        for record in records {
            #expect(roundTrip(record) == record)
        }
    }

    @Test func truncatedOrPaddedRecordsAreRefused() {
        let bytes = HandOverRecord.pollingSession(session(polling: true, chat: nil)).encoded()
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            #expect(Array(bytes[..<cut]).withUnsafeBytes { HandOverRecord(decoding: $0) } == nil)
        }
        #expect((bytes + [0]).withUnsafeBytes { HandOverRecord(decoding: $0) } == nil)
        #expect([UInt8]([9, 9]).withUnsafeBytes { HandOverRecord(decoding: $0) } == nil)
        #expect([UInt8]().withUnsafeBytes { HandOverRecord(decoding: $0) } == nil)
    }

    @Test func presenceCarriesEverySlotAndAnnouncesNothingKnown() {
        var presence = Presence()
        presence.join(slot: 0, room: 1, alice)
        presence.join(slot: 1, room: 1, alice)
        presence.join(slot: 1, room: 2, UserProfile(id: 8, name: "bob", email: "b@x", avatar: "/b.png"))
        var copy = Presence(entries: presence.allEntries())
        #expect(copy.users(in: 1) == presence.users(in: 1))
        #expect(copy.users(in: 2) == presence.users(in: 2))
        // A peer's state that is already known changes no room (no `room` event is sent for it).
        #expect(copy.replace(slot: 1, with: presence.entries(slot: 1)).isEmpty)
        // One that differs names exactly the rooms whose list changed.
        #expect(copy.replace(slot: 1, with: []) == [2])
    }
}
