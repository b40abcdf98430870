import Glibc
import Shared

// Polling sessions that work whatever worker each request lands on: a request for a session owned
// by another worker (its id names the owner, see EngineIOSessionID) is not answered here. The TCP
// connection itself moves to the owner over the worker mesh (SCM_RIGHTS), with the request already
// read re-sent as bytes; the owner adopts it as if it had accepted it, and later requests on the
// same keep-alive connection go straight to the owner.

extension EngineIOServer {
    /// On the worker that read the request.
    func handOff(_ exchange: HTTPExchange, to owner: Int) {
        let peers = worker.peers!
        // A session whose worker is gone (or a made-up id) is unknown to everyone.
        guard peers.isAlive(owner) else { return refuse(exchange, .unknownSession) }
        worker.counters.add(.connectionsHandedOff, 1)
        let path = self.path
        exchange.handOff { fd, request in
            if !peers.handOff(fd, to: owner, request: request) {
                Log.warn("connection hand-off failed", ["to": owner, "path": path])
            }
        }
    }
}

extension ReactorWorker {
    /// On the owner: a connection passed by another worker, with the bytes it read from it.
    func adoptHandedOffConnection(_ fd: Int32, request: [UInt8]) {
        let peer = Self.peerAddress(of: fd)
        guard let row = admit(fd, peer: peer, adopted: true) else { return }
        let connection = Connection(fd: fd, row: row, peer: peer, worker: self, handler: HTTPSession(worker: self))
        guard watch(connection, .readable) else { return }
        Log.debug("connection adopted", ["conn": connection.id, "peer": connection.peer, "bytes": request.count])
        connection.receivedHandedOff(request)
    }

    static func peerAddress(of fd: Int32) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        return SocketAddress(storage: storage)
    }
}
