import CSharedMemory

/// Names one connection in the shared table. The connection id is never reused, so a handle that
/// outlived its connection is recognised as stale even after the row holds another connection.
public struct ConnectionHandle: Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let connectionId: UInt64

    public init(index: Int, connectionId: UInt64) {
        self.index = index
        self.connectionId = connectionId
    }

    public var description: String { "conn#\(connectionId)@\(index)" }
}

/// A consistent copy of one live row (read under its seqlock).
public struct ConnectionRow: Equatable, Sendable {
    public let index: Int
    public let connectionId: UInt64
    public let userId: UInt64       // 0 = not logged in
    public let roomId: Int          // 0 = in no room
    public let worker: Int
    public let fd: Int32
    public let state: UInt16
    public let flags: UInt32
    public let openedAtMs: UInt64

    init(_ s: cr_conn_snapshot) {
        index = Int(s.index)
        connectionId = s.conn_id
        userId = s.user_id
        roomId = Int(s.room_id)
        worker = Int(s.worker)
        fd = s.fd
        state = s.state
        flags = s.flags
        openedAtMs = s.opened_at_ms
    }

    public var handle: ConnectionHandle { ConnectionHandle(index: index, connectionId: connectionId) }
}
