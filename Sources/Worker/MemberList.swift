/// A set of WebSocket sessions with O(1) insert and remove (each session remembers its index) and
/// a dense array to iterate when broadcasting.
struct MemberList {
    private(set) var sessions: [WebSocketSession] = []

    var count: Int { sessions.count }

    mutating func insert(_ session: WebSocketSession) {
        guard session.memberIndex < 0 else { return }
        session.memberIndex = sessions.count
        sessions.append(session)
    }

    mutating func remove(_ session: WebSocketSession) {
        let index = session.memberIndex
        guard index >= 0, index < sessions.count, sessions[index] === session else { return }
        let last = sessions.removeLast()
        if index < sessions.count {
            sessions[index] = last
            last.memberIndex = index
        }
        session.memberIndex = -1
    }
}
