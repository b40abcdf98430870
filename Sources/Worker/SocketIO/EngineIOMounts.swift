import Shared

/// The worker's Engine.IO servers: `/socket.io/` for the application in
/// `ReactorWorker.socketIOApplication`, and with `--echo` `/echo.io/` for `SocketIOEchoApplication`
/// (tests and measurements).
final class EngineIOMounts {
    let socketIO: EngineIOServer
    let echo: EngineIOServer?

    init(worker: ReactorWorker) {
        // Looked up at each handshake, so the application can be set after the servers exist.
        socketIO = EngineIOServer(path: "/socket.io/", worker: worker) { [unowned worker] in worker.socketIOApplication }
        if worker.configuration.echo {
            let application = SocketIOEchoApplication()
            echo = EngineIOServer(path: "/echo.io/", worker: worker) { application }
        } else {
            echo = nil
        }
    }

    /// The server for a request path, if it is an Engine.IO path.
    func server(forPath path: String) -> EngineIOServer? {
        switch path {
        case "/socket.io/", "/socket.io": return socketIO
        case "/echo.io/", "/echo.io": return echo
        default: return nil
        }
    }

    var all: [EngineIOServer] { echo.map { [socketIO, $0] } ?? [socketIO] }

    func beginStopping() {
        for server in all { server.beginStopping() }
    }

    // A reload (see HandOver/):
    func prepareHandOver() { for server in all { server.prepareHandOver() } }
    var pollingSessions: [EngineIOSession] { all.flatMap(\.pollingSessions) }
    func forgetSessions() { for server in all { server.forgetSessions() } }
}
