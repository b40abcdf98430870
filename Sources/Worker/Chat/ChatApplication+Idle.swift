import Shared

/// `--idle-timeout`. A chat client may sit silently in a room for hours, and one that answers the
/// heartbeats is alive (dead peers are the heartbeat's business), so silence is not what "idle"
/// means here. Idle is a connection that never said who it is: without a valid token it can join
/// no room and send nothing, and it only holds a socket. It is closed (transport close, not a
/// namespace disconnect, so that a client that logs in later reconnects by itself).
extension ChatApplication {
    func closeIfStillAnonymous(_ connection: ChatConnection) {
        let seconds = worker.configuration.idleTimeout
        guard seconds > 0 else { return }
        let number = connection.number
        worker.loop.schedule(after: seconds * 1000) { [weak self] in
            guard let self, let connection = self.connections[number], !connection.closed,
                  connection.user == nil else { return }
            Log.debug("anonymous socket.io connection closed", ["sid": connection.socket.id, "after_s": seconds])
            connection.socket.close()
        }
    }
}
