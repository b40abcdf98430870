import Shared

// What a reloading worker passes to its successor, one record per datagram on the slot's hand-over
// socket (ProcessTopology.handOver), ended by a `HandOverEnd`. Only states at a clean point travel:
// no half-received HTTP body, no half-assembled WebSocket message, no job waiting for its ack (the
// retiring worker waits for those first), so each protocol's state is a few plain fields. Bytes the
// old worker read but had not used and bytes it had queued but not written travel with the socket.

/// The chat state of one Socket.IO connection.
struct ChatSnapshot: Equatable {
    var user: UserProfile?
    var room: Int?
    var unread: [Int: Int]?
    var countWanted: Bool
}

/// One Engine.IO session and the Socket.IO socket it carries.
struct EngineIOSessionSnapshot: Equatable {
    enum SocketState: UInt8 { case pending = 0, connected = 1 }

    /// The mount ("/socket.io/" or "/echo.io/").
    var path: String
    var sid: String
    var version: EngineIOVersion
    var query: [QueryParameters.Pair]
    var remoteAddress: String
    /// A polling session's own row in the shared table (a WebSocket session uses its connection's).
    var ownRow: ConnectionHandle?
    /// Packets waiting for a polling client's next GET, whole Engine.IO packets.
    var queued: [[UInt8]]
    var socketState: SocketState
    var namespaceSocketId: String
    var chat: ChatSnapshot?
    /// Monotonic ms (the machine's clock, the same in every process): when the session opened, and
    /// its heartbeat (see EngineIOHeartbeat).
    var openedAt: Int64
    var lastReceivedAt: Int64
    var pingSentAt: Int64?
    var nextPingAt: Int64

    static func == (a: Self, b: Self) -> Bool {
        a.path == b.path && a.sid == b.sid && a.version == b.version && a.query.elementsEqual(b.query, by: ==)
            && a.remoteAddress == b.remoteAddress && a.ownRow == b.ownRow && a.queued == b.queued
            && a.socketState == b.socketState && a.namespaceSocketId == b.namespaceSocketId && a.chat == b.chat
            && a.openedAt == b.openedAt && a.lastReceivedAt == b.lastReceivedAt && a.pingSentAt == b.pingSentAt
            && a.nextPingAt == b.nextPingAt
    }
}

/// The protocol a connection speaks, as its successor must resume it.
enum ConnectionSnapshot: Equatable {
    /// HTTP between requests (a partial next request is in the unread bytes); `served`: it has
    /// had a request already (so the handshake timeout is behind it).
    case http(served: Bool)
    /// A plain WebSocket: `/ws` or `/echo`.
    case webSocket(WebSocketEndpointKind)
    /// An Engine.IO session on WebSocket.
    case engineIO(EngineIOSessionSnapshot)
}

enum WebSocketEndpointKind: UInt8, Equatable {
    case broadcast = 1
    case echo = 2
}

enum HandOverRecord: Equatable {
    /// A client socket (passed alongside as SCM_RIGHTS).
    case connection(row: ConnectionHandle, unread: [UInt8], unsent: [UInt8], ConnectionSnapshot)
    /// A polling Engine.IO session (no socket of its own between requests).
    case pollingSession(EngineIOSessionSnapshot)
    /// Who is online where, as the retiring worker knew it (every worker slot).
    case presence([PresenceEntry])
    case end(HandOverEnd)

    struct PresenceEntry: Equatable {
        var slot: Int
        var room: Int
        var count: Int
        var profile: UserProfile
    }

    private enum Tag: UInt8 {
        case end = 0, connection, pollingSession, presence
    }

    func encoded() -> [UInt8] {
        if case .end(let end) = self { return end.encoded() }
        var w = ByteWriter()
        switch self {
        case .connection(let row, let unread, let unsent, let snapshot):
            w.u8(Tag.connection.rawValue)
            Self.write(row, &w)
            w.blob(unread)
            w.blob(unsent)
            switch snapshot {
            case .http(let served): w.u8(0); w.bool(served)
            case .webSocket(let kind): w.u8(1); w.u8(kind.rawValue)
            case .engineIO(let session): w.u8(2); Self.write(session, &w)
            }
        case .pollingSession(let session):
            w.u8(Tag.pollingSession.rawValue)
            Self.write(session, &w)
        case .presence(let entries):
            w.u8(Tag.presence.rawValue)
            w.u32(UInt32(entries.count))
            for entry in entries {
                w.u32(UInt32(entry.slot)); w.u32(UInt32(entry.room)); w.u32(UInt32(entry.count))
                ChatPeerMessage.write(entry.profile, &w)
            }
        case .end:
            break
        }
        return w.bytes
    }

    init?(decoding bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first, let tag = Tag(rawValue: first) else { return nil }
        if tag == .end {
            guard let end = HandOverEnd(decoding: bytes) else { return nil }
            self = .end(end)
            return
        }
        var r = ByteReader(bytes)
        _ = r.u8()
        switch tag {
        case .connection:
            guard let row = Self.readHandle(&r), let unread = r.blob(), let unsent = r.blob(), let kind = r.u8() else { return nil }
            let snapshot: ConnectionSnapshot
            switch kind {
            case 0:
                guard let served = r.bool() else { return nil }
                snapshot = .http(served: served)
            case 1:
                guard let raw = r.u8(), let endpoint = WebSocketEndpointKind(rawValue: raw) else { return nil }
                snapshot = .webSocket(endpoint)
            case 2:
                guard let session = Self.readSession(&r) else { return nil }
                snapshot = .engineIO(session)
            default: return nil
            }
            self = .connection(row: row, unread: unread, unsent: unsent, snapshot)
        case .pollingSession:
            guard let session = Self.readSession(&r) else { return nil }
            self = .pollingSession(session)
        case .presence:
            guard let count = r.u32(), count <= 10_000_000 else { return nil }
            var entries: [PresenceEntry] = []
            for _ in 0..<count {
                guard let slot = r.u32(), let room = r.u32(), let n = r.u32(), let profile = ChatPeerMessage.readProfile(&r) else { return nil }
                entries.append(PresenceEntry(slot: Int(slot), room: Int(room), count: Int(n), profile: profile))
            }
            self = .presence(entries)
        case .end:
            return nil
        }
        guard r.rest().isEmpty else { return nil }
    }

    // MARK: fields

    private static func write(_ handle: ConnectionHandle, _ w: inout ByteWriter) {
        w.u32(UInt32(handle.index)); w.u64(handle.connectionId)
    }

    private static func readHandle(_ r: inout ByteReader) -> ConnectionHandle? {
        guard let index = r.u32(), let id = r.u64() else { return nil }
        return ConnectionHandle(index: Int(index), connectionId: id)
    }

    private static func write(_ s: EngineIOSessionSnapshot, _ w: inout ByteWriter) {
        w.string(s.path); w.string(s.sid); w.u8(s.version == .v3 ? 3 : 4)
        w.u32(UInt32(s.query.count))
        for pair in s.query { w.string(pair.name); w.string(pair.value) }
        w.string(s.remoteAddress)
        w.bool(s.ownRow != nil)
        if let row = s.ownRow { write(row, &w) }
        w.u32(UInt32(s.queued.count))
        for packet in s.queued { w.blob(packet) }
        w.u8(s.socketState.rawValue)
        w.string(s.namespaceSocketId)
        w.bool(s.chat != nil)
        if let chat = s.chat {
            w.bool(chat.user != nil)
            if let user = chat.user { ChatPeerMessage.write(user, &w) }
            w.u32(UInt32(chat.room ?? 0))
            w.bool(chat.unread != nil)
            if let unread = chat.unread {
                w.u32(UInt32(unread.count))
                for (room, count) in unread.sorted(by: { $0.key < $1.key }) { w.u32(UInt32(room)); w.u32(UInt32(count)) }
            }
            w.bool(chat.countWanted)
        }
        w.i64(s.openedAt); w.i64(s.lastReceivedAt); w.i64(s.pingSentAt ?? -1); w.i64(s.nextPingAt)
    }

    private static func readSession(_ r: inout ByteReader) -> EngineIOSessionSnapshot? {
        guard let path = r.string(), let sid = r.string(), let rawVersion = r.u8(),
              let version: EngineIOVersion = rawVersion == 3 ? .v3 : rawVersion == 4 ? .v4 : nil,
              let queryCount = r.u32(), queryCount <= 10_000 else { return nil }
        var query: [QueryParameters.Pair] = []
        for _ in 0..<queryCount {
            guard let name = r.string(), let value = r.string() else { return nil }
            query.append((name, value))
        }
        guard let remoteAddress = r.string(), let hasRow = r.bool() else { return nil }
        var ownRow: ConnectionHandle?
        if hasRow {
            guard let row = readHandle(&r) else { return nil }
            ownRow = row
        }
        guard let queuedCount = r.u32(), queuedCount <= 10_000_000 else { return nil }
        var queued: [[UInt8]] = []
        for _ in 0..<queuedCount {
            guard let packet = r.blob() else { return nil }
            queued.append(packet)
        }
        guard let rawState = r.u8(), let socketState = EngineIOSessionSnapshot.SocketState(rawValue: rawState),
              let namespaceSocketId = r.string(), let hasChat = r.bool() else { return nil }
        var chat: ChatSnapshot?
        if hasChat {
            guard let hasUser = r.bool() else { return nil }
            var user: UserProfile?
            if hasUser {
                guard let profile = ChatPeerMessage.readProfile(&r) else { return nil }
                user = profile
            }
            guard let room = r.u32(), let hasUnread = r.bool() else { return nil }
            var unread: [Int: Int]?
            if hasUnread {
                guard let count = r.u32(), count <= 1_000_000 else { return nil }
                var map: [Int: Int] = [:]
                for _ in 0..<count {
                    guard let id = r.u32(), let n = r.u32() else { return nil }
                    map[Int(id)] = Int(n)
                }
                unread = map
            }
            guard let countWanted = r.bool() else { return nil }
            chat = ChatSnapshot(user: user, room: room == 0 ? nil : Int(room), unread: unread, countWanted: countWanted)
        }
        guard let openedAt = r.i64(), let lastReceivedAt = r.i64(), let pingSentAt = r.i64(), let nextPingAt = r.i64() else { return nil }
        return EngineIOSessionSnapshot(path: path, sid: sid, version: version, query: query, remoteAddress: remoteAddress,
                                       ownRow: ownRow, queued: queued, socketState: socketState,
                                       namespaceSocketId: namespaceSocketId, chat: chat, openedAt: openedAt,
                                       lastReceivedAt: lastReceivedAt, pingSentAt: pingSentAt < 0 ? nil : pingSentAt,
                                       nextPingAt: nextPingAt)
    }
}
