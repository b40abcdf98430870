import Shared

/// Joining and leaving rooms, the online list, and what peers say about theirs.
extension ChatApplication {
    func onlineMap(_ room: Int) -> JSONValue {
        var map = JSONObject()
        for profile in presence.users(in: room) { map[String(profile.id)] = profile.onlineEntry }
        return .object(map)
    }

    /// Sends `event` ("room" or "roomout") with the room's online map to this worker's members of it.
    func announce(_ event: String, room: Int, alsoTo extra: ChatConnection? = nil) {
        let recipients = members[room] ?? [:]
        let outsider = extra.flatMap { recipients[$0.number] == nil ? $0 : nil }
        // Every worker hears of every join and leave; most have nobody in the room to tell.
        guard !recipients.isEmpty || outsider != nil else { return }
        let packet = OutgoingPacket.event(event, onlineMap(room))
        for connection in recipients.values { connection.socket.send(packet) }
        outsider?.socket.send(packet)
    }

    // Joining and leaving settle the unread counts first: who counts a pending message depends on
    // who is in the room.
    func join(_ connection: ChatConnection, room: Int) {
        guard let user = connection.user else { return }
        settleUnread()
        if connection.room == room {
            connection.socket.emit("room", onlineMap(room))
            return
        }
        if let previous = connection.room { leave(connection, room: previous, tellLeaver: true) }
        connection.room = room
        members[room, default: [:]][connection.number] = connection
        _ = connection.socket.setSharedRoom(room)
        let changed = presence.join(slot: slot, room: room, user)
        worker.peers.broadcast(.chat, ChatPeerMessage.joined(room: room, profile: user).encoded())
        // The whole room hears of a change to its list; a second connection of someone already
        // there changes nothing, so only that connection gets the list.
        if changed {
            announce("room", room: room)
        } else {
            connection.socket.emit("room", onlineMap(room))
        }
        markRead(user: user.id, room: room, joiner: connection)
    }

    /// Leaves `room`: the members (and the leaver, for a `roomout` it asked for) get the new map.
    func leave(_ connection: ChatConnection, room: Int, tellLeaver: Bool) {
        guard connection.room == room, let user = connection.user else { return }
        settleUnread()
        let changed = presence.leave(slot: slot, room: room, user: user.id)
        worker.peers.broadcast(.chat, ChatPeerMessage.left(room: room, user: user.id).encoded())
        if changed {
            announce("roomout", room: room, alsoTo: tellLeaver ? connection : nil)
        } else if tellLeaver {
            connection.socket.emit("roomout", onlineMap(room))
        }
        members[room]?[connection.number] = nil
        connection.room = nil
        if !connection.closed { _ = connection.socket.setSharedRoom(0) }
        // Read up to here: what arrives while the user is away counts as unread.
        if !presence.contains(user: user.id, room: room) { markRead(user: user.id, room: room) }
    }

    // MARK: peers

    func peerMessage(_ message: ChatPeerMessage, from peer: Int) {
        // Who is where changes with `joined`, `left` and `presenceState`: pending unread first.
        switch message {
        case .joined(let room, let profile):
            settleUnread()
            if presence.join(slot: peer, room: room, profile) { announce("room", room: room) }
        case .left(let room, let user):
            settleUnread()
            if presence.leave(slot: peer, room: room, user: user) { announce("roomout", room: room) }
        case .syncRequest:
            worker.peers.send(to: peer, .chat, ChatPeerMessage.presenceState(presence.entries(slot: slot)).encoded())
        case .presenceState(let entries):
            settleUnread()
            for room in presence.replace(slot: peer, with: entries) { announce("room", room: room) }
        case .roomMessage(let room, let sender, let packet):
            deliver(OutgoingPacket(packet: packet), room: room, sender: sender)
        case .unreadBump(let room, let sender):
            bumpUnread(room: room, sender: sender)
        case .tokenRevoked(let token):
            tokenRevoked(token)
        case .profileChanged(let profile):
            tokens.update(profile)
            presence.updateProfile(profile)
            for connection in connections.values where connection.userID == profile.id { connection.user = profile }
        }
    }

    /// A worker died: its users leave their rooms for everyone else.
    func peerExited(_ peer: Int) {
        settleUnread()
        for room in presence.dropWorker(peer) { announce("roomout", room: room) }
    }
}
