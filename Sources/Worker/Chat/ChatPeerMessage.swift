import Shared

/// What workers tell each other about the chat (carried by PeerLinks as `.chat` messages).
enum ChatPeerMessage {
    case joined(room: Int, profile: UserProfile)
    case left(room: Int, user: Int64)
    /// "Tell me your presence": sent by a worker when it starts.
    case syncRequest
    case presenceState([(room: Int, count: Int, profile: UserProfile)])
    /// A `message` event for the room's members on the receiving worker (the packet text, encoded once).
    case roomMessage(room: Int, sender: Int64, packet: [UInt8])
    /// A message was sent in `room`: only unread counts change on the receiving worker (it has no members there).
    case unreadBump(room: Int, sender: Int64)
    case tokenRevoked(String)
    case profileChanged(UserProfile)

    private enum Tag: UInt8 {
        case joined = 1, left, syncRequest, presenceState, roomMessage, unreadBump, tokenRevoked, profileChanged
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .joined(let room, let profile):
            w.u8(Tag.joined.rawValue); w.u32(UInt32(room)); ChatPeerMessage.write(profile, &w)
        case .left(let room, let user):
            w.u8(Tag.left.rawValue); w.u32(UInt32(room)); w.i64(user)
        case .syncRequest:
            w.u8(Tag.syncRequest.rawValue)
        case .presenceState(let entries):
            w.u8(Tag.presenceState.rawValue); w.u32(UInt32(entries.count))
            for entry in entries {
                w.u32(UInt32(entry.room)); w.u32(UInt32(entry.count)); ChatPeerMessage.write(entry.profile, &w)
            }
        case .roomMessage(let room, let sender, let packet):
            w.u8(Tag.roomMessage.rawValue); w.u32(UInt32(room)); w.i64(sender); w.raw(packet)
        case .unreadBump(let room, let sender):
            w.u8(Tag.unreadBump.rawValue); w.u32(UInt32(room)); w.i64(sender)
        case .tokenRevoked(let token):
            w.u8(Tag.tokenRevoked.rawValue); w.string(token)
        case .profileChanged(let profile):
            w.u8(Tag.profileChanged.rawValue); ChatPeerMessage.write(profile, &w)
        }
        return w.bytes
    }

    init?(decoding bytes: UnsafeRawBufferPointer) {
        var r = ByteReader(bytes)
        guard let raw = r.u8(), let tag = Tag(rawValue: raw) else { return nil }
        switch tag {
        case .joined:
            guard let room = r.u32(), let profile = ChatPeerMessage.readProfile(&r) else { return nil }
            self = .joined(room: Int(room), profile: profile)
        case .left:
            guard let room = r.u32(), let user = r.i64() else { return nil }
            self = .left(room: Int(room), user: user)
        case .syncRequest:
            self = .syncRequest
        case .presenceState:
            guard let count = r.u32(), count < 10_000_000 else { return nil }
            var entries: [(room: Int, count: Int, profile: UserProfile)] = []
            for _ in 0..<count {
                guard let room = r.u32(), let n = r.u32(), let profile = ChatPeerMessage.readProfile(&r) else { return nil }
                entries.append((Int(room), Int(n), profile))
            }
            self = .presenceState(entries)
        case .roomMessage:
            guard let room = r.u32(), let sender = r.i64() else { return nil }
            self = .roomMessage(room: Int(room), sender: sender, packet: Array(r.rest()))
        case .unreadBump:
            guard let room = r.u32(), let sender = r.i64() else { return nil }
            self = .unreadBump(room: Int(room), sender: sender)
        case .tokenRevoked:
            guard let token = r.string() else { return nil }
            self = .tokenRevoked(token)
        case .profileChanged:
            guard let profile = ChatPeerMessage.readProfile(&r) else { return nil }
            self = .profileChanged(profile)
        }
    }

    static func write(_ profile: UserProfile, _ w: inout ByteWriter) {
        w.i64(profile.id); w.string(profile.name); w.string(profile.email); w.string(profile.avatar)
    }

    static func readProfile(_ r: inout ByteReader) -> UserProfile? {
        guard let id = r.i64(), let name = r.string(), let email = r.string(), let avatar = r.string() else { return nil }
        return UserProfile(id: id, name: name, email: email, avatar: avatar)
    }
}
