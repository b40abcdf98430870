import Glibc
import Shared

/// Accepts from the listening socket every worker shares. Registered with EPOLLEXCLUSIVE, so the
/// kernel wakes one waiting worker per new connection. The kernel wakes the first exclusive waiter
/// in the socket's queue, so an idle server would hand every connection to the same worker; after
/// each batch of accepts the worker re-registers, which moves it to the back of that queue and
/// turns the wake-ups into a round robin. (One shared socket rather than SO_REUSEPORT sockets:
/// connections queued on a worker's own socket would be lost when it is replaced.)
final class Listener: EventHandler {
    private let fd: Int32
    private unowned let worker: ReactorWorker
    private var active = false

    init(fd: Int32, worker: ReactorWorker) {
        self.fd = fd
        self.worker = worker
    }

    func start() throws {
        try worker.loop.register(fd, [.readable, .exclusive], self)
        active = true
    }

    /// Stops accepting (shutdown); the master keeps the socket open for the other workers.
    func stop() {
        guard active else { return }
        active = false
        worker.loop.unregister(fd)
        FileDescriptor.close(fd)
    }

    func handleEvents(_ events: IOEvents) {
        var acceptedAny = false
        defer { if acceptedAny { rotate() } }
        // Bounded so a connection storm cannot starve the connections already open, and so the
        // other workers get their share of a burst.
        for _ in 0..<32 {
            guard active else { return }
            let accepted: (fd: Int32, peer: SocketAddress)?
            do {
                accepted = try Socket.accept(fd)
            } catch let error as SystemError where error.code == EMFILE || error.code == ENFILE {
                Log.error("out of file descriptors, accept paused for 100 ms", ["error": error])
                pauseAccepting()
                return
            } catch {
                Log.warn("accept failed", ["error": error])
                return
            }
            guard let (client, peer) = accepted else { return }
            acceptedAny = true
            worker.accepted(client, peer: peer)
        }
    }

    private func rotate() {
        guard active, worker.loop.isRegistered(fd) else { return }
        worker.loop.unregister(fd)
        do {
            try worker.loop.register(fd, [.readable, .exclusive], self)
        } catch {
            Log.error("cannot watch the listening socket again", ["error": error])
            pauseAccepting()
        }
    }

    private func pauseAccepting() {
        worker.loop.unregister(fd)
        worker.loop.schedule(after: 100) { [weak self] in
            guard let self, self.active else { return }
            try? self.worker.loop.register(self.fd, [.readable, .exclusive], self)
        }
    }
}
