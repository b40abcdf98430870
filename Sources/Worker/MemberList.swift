import Shared

/// A set of WebSocket sessions with O(1) insert and remove (each session remembers its index) and
/// a dense array to iterate when broadcasting.
struct MemberList {
    /// The session and its connection side by side: a broadcast writes straight to the connection,
    /// without going through the session's `unowned` reference (an atomic retain per delivery).
    /// Holding the connection here is safe: a session leaves the list when it stops being open,
    /// at the latest when its connection closes.
    private struct Entry {
        let session: WebSocketSession
        let connection: Connection
    }

    private var entries: [Entry] = []

    var count: Int { entries.count }

    mutating func insert(_ session: WebSocketSession) {
        guard session.memberIndex < 0 else { return }
        session.memberIndex = entries.count
        entries.append(Entry(session: session, connection: session.connection))
    }

    mutating func remove(_ session: WebSocketSession) {
        let index = session.memberIndex
        guard index >= 0, index < entries.count, entries[index].session === session else { return }
        let last = entries.removeLast()
        if index < entries.count {
            entries[index] = last
            last.session.memberIndex = index
        }
        session.memberIndex = -1
    }

    /// Queues `frame` on every member's connection (members are open sessions only).
    func send(_ frame: SharedBytes) {
        for entry in entries { entry.connection.send(frame) }
    }
}
