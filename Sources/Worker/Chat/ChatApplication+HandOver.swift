import Shared

/// A reload: the chat state of each socket travels with it to the slot's next process, and so does
/// the whole online picture, so that the successor announces nothing that did not change.
extension ChatApplication {
    func canHandOver(_ socket: SocketIOSocket) -> Bool {
        guard let connection = socket.userData as? ChatConnection else { return true }
        return !connection.lookupInFlight && connection.waiting.isEmpty
    }

    func handOverSnapshot(_ socket: SocketIOSocket) -> ChatSnapshot? {
        guard let connection = socket.userData as? ChatConnection else { return nil }
        settleUnread()
        return ChatSnapshot(user: connection.user, room: connection.room, unread: connection.unread,
                            countWanted: connection.countWanted)
    }

    func restore(_ socket: SocketIOSocket, _ snapshot: ChatSnapshot?) {
        let connection = addConnection(socket)
        guard let snapshot else { return }
        connection.user = snapshot.user
        connection.unread = snapshot.unread
        connection.countWanted = snapshot.countWanted
        if let room = snapshot.room, connection.user != nil {
            connection.room = room
            members[room, default: [:]][connection.number] = connection
        }
    }

    var presenceForHandOver: [HandOverRecord.PresenceEntry] {
        presence.allEntries().map { HandOverRecord.PresenceEntry(slot: $0.slot, room: $0.room, count: $0.count, profile: $0.profile) }
    }

    func restorePresence(_ entries: [HandOverRecord.PresenceEntry]) {
        presence = Presence(entries: entries.map { ($0.slot, $0.room, $0.count, $0.profile) })
    }

    /// When the hand-over was cut short (the old process died): this slot's entries are rebuilt
    /// from the connections that did arrive, and the other workers are told the result.
    func rebuildOwnPresence() {
        var counts: [Int: [Int64: Int]] = [:]
        var profiles: [Int64: UserProfile] = [:]
        for connection in connections.values {
            guard let room = connection.room, let user = connection.user else { continue }
            counts[room, default: [:]][user.id, default: 0] += 1
            profiles[user.id] = user
        }
        var entries: [(room: Int, count: Int, profile: UserProfile)] = []
        for (room, users) in counts {
            for (user, count) in users { entries.append((room, count, profiles[user]!)) }
        }
        for room in presence.replace(slot: slot, with: entries) { announce("room", room: room) }
        worker.peers.broadcast(.chat, ChatPeerMessage.presenceState(entries).encoded())
    }

    /// `count` updates waiting for the coalescing timer go out now, before the sockets leave.
    func flushCountsNow() {
        settleUnread()
        if !countsDue.isEmpty { flushCounts() }
    }

    /// The old process, once its sockets are gone: nothing of them may be touched any more.
    func forgetConnections() {
        connections = [:]
        members = [:]
        countsDue = [:]
    }
}
