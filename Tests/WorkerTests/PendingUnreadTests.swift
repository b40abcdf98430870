import Testing
@testable import Worker

@Suite struct PendingUnreadTests {
    @Test func countsEachRoomsMessagesLessTheUsersOwn() {
        var pending = PendingUnread()
        #expect(pending.isEmpty)
        pending.add(room: 1, sender: 10)
        pending.add(room: 1, sender: 11)
        pending.add(room: 1, sender: 10)
        pending.add(room: 2, sender: 12)
        #expect(!pending.isEmpty)
        let rooms = pending.take()
        #expect(pending.isEmpty)
        #expect(rooms.keys.sorted() == [1, 2])
        #expect(rooms[1]?.count(for: 10) == 1)   // two of the three are 10's own
        #expect(rooms[1]?.count(for: 11) == 2)
        #expect(rooms[1]?.count(for: 99) == 3)
        #expect(rooms[2]?.count(for: 12) == 0)
        #expect(rooms[2]?.count(for: 10) == 1)
        #expect(pending.take().isEmpty)
    }
}
