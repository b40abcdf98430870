import Testing
@testable import Worker

private let alice = UserProfile(id: 1, name: "alice", email: "alice@example.com", avatar: "/a.png")
private let bob = UserProfile(id: 2, name: "bob", email: "bob@example.com", avatar: "/b.png")

@Suite struct PresenceTests {
    @Test func usersAreCountedOnceWhateverTheirConnections() {
        var presence = Presence()
        presence.join(slot: 0, room: 1, alice)
        presence.join(slot: 1, room: 1, alice)
        presence.join(slot: 1, room: 1, bob)
        #expect(presence.users(in: 1).map(\.id) == [1, 2])
        #expect(presence.onlineCount(room: 1) == 2)
        presence.leave(slot: 0, room: 1, user: 1)
        #expect(presence.contains(user: 1, room: 1))   // still on worker 1
        presence.leave(slot: 1, room: 1, user: 1)
        #expect(!presence.contains(user: 1, room: 1))
        #expect(presence.users(in: 1).map(\.id) == [2])
        #expect(presence.users(in: 2).isEmpty)
    }

    @Test func onlyChangesToTheListOfUsersAreReported() {
        var presence = Presence()
        let first = presence.join(slot: 0, room: 1, alice)
        let second = presence.join(slot: 1, room: 1, alice)      // a second connection
        let oneLeft = presence.leave(slot: 0, room: 1, user: 1)  // one connection is left
        let gone = presence.leave(slot: 1, room: 1, user: 1)
        let nothing = presence.leave(slot: 1, room: 1, user: 1)  // nothing to leave
        #expect(first && !second && !oneLeft && gone && !nothing)
        var renamed = alice
        renamed.avatar = "/new.png"
        let again = presence.join(slot: 0, room: 1, alice)
        let newAvatar = presence.join(slot: 0, room: 1, renamed)  // a new avatar is news
        #expect(again && newAvatar)
    }

    @Test func aDeadWorkerTakesItsEntriesOnly() {
        var presence = Presence()
        presence.join(slot: 0, room: 1, alice)
        presence.join(slot: 1, room: 2, bob)
        #expect(presence.dropWorker(1) == [2])
        #expect(presence.onlineCount(room: 2) == 0)
        #expect(presence.onlineCount(room: 1) == 1)
        #expect(presence.dropWorker(7) == [])
    }

    @Test func aPeerStateReplacesWhatWasKnownOfIt() {
        var presence = Presence()
        presence.join(slot: 3, room: 1, alice)
        let changed = presence.replace(slot: 3, with: [(room: 2, count: 2, profile: bob)])
        #expect(changed == [1, 2])
        #expect(!presence.contains(user: 1, room: 1))
        #expect(presence.contains(user: 2, room: 2))
        #expect(presence.entries(slot: 3).map(\.count) == [2])
    }

    @Test func onlineEntriesNeverCarryTheEmail() {
        guard case .object(let entry) = alice.onlineEntry else { Issue.record("not an object"); return }
        #expect(entry.keys.sorted() == ["avatar", "id", "name", "src"])
    }
}

@Suite struct ChatPeerMessageTests {
    @Test func everyMessageRoundTrips() {
        let messages: [ChatPeerMessage] = [
            .joined(room: 2, profile: alice), .left(room: 1, user: 9), .syncRequest,
            .presenceState([(room: 1, count: 3, profile: bob)]),
            .roomMessage(room: 1, sender: 2, packet: Array("42[\"message\",{}]".utf8)),
            .unreadBump(room: 2, sender: 1), .tokenRevoked("tok"), .profileChanged(bob),
        ]
        for message in messages {
            let bytes = message.encoded()
            let decoded = bytes.withUnsafeBytes { ChatPeerMessage(decoding: $0) }
            #expect(decoded?.encoded() == bytes)
        }
        #expect([UInt8]([99]).withUnsafeBytes { ChatPeerMessage(decoding: $0) } == nil)
        #expect([UInt8]([1, 0]).withUnsafeBytes { ChatPeerMessage(decoding: $0) } == nil)
    }
}
