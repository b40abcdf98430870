import Shared

/// The new side of a worker reload: before it reads anything its predecessor may still be
/// reading, the new worker takes the records of the slot's hand-over socket until the end record
/// with its hand-over id, and rebuilds each connection and session as it was. Input waits until
/// everything is in place; then the worker starts for real (see ReactorWorker.serve).
final class HandOverReceiver: MessageChannelDelegate {
    private unowned let worker: ReactorWorker
    private let id: UInt64
    private var channel: MessageChannel?
    private(set) var adopted: [Connection] = []
    private(set) var sessions = 0
    /// False when the end record said the old process died before it finished, or never came.
    private(set) var complete = false
    private var finished = false

    init(worker: ReactorWorker, id: UInt64) {
        self.worker = worker
        self.id = id
    }

    /// Runs the loop until the hand-over has ended.
    func run() throws {
        let started = Clock.monotonicMilliseconds()
        let channel = MessageChannel(fd: worker.context.topology.handOver[worker.slot].child, label: "hand-over", loop: worker.loop)
        channel.delegate = self
        self.channel = channel
        try channel.start()
        // The master kills a predecessor that takes longer than this and then sends the end itself;
        // waiting longer than that only guards against a lost end record.
        let limit = worker.configuration.shutdownTimeout * 1000 + 30_000
        let timer = worker.loop.schedule(after: limit) { [weak self] in
            guard let self, !self.finished else { return }
            Log.warn("hand-over end never came; carrying on with what arrived", ["connections": self.adopted.count])
            self.finish(complete: false)
        }
        worker.loop.run()
        worker.loop.cancel(timer)
        Log.info("connections adopted", ["connections": adopted.count, "polling_sessions": sessions, "complete": complete,
                                         "ms": Clock.monotonicMilliseconds() - started])
    }

    private func finish(complete: Bool) {
        finished = true
        self.complete = complete
        channel?.detach()
        worker.loop.stop()
    }

    func channel(_ channel: MessageChannel, received message: UnsafeRawBufferPointer, fds: [Int32]) {
        guard !finished, let record = HandOverRecord(decoding: message) else {
            for fd in fds { FileDescriptor.close(fd) }
            if !finished { Log.warn("malformed hand-over record dropped", ["bytes": message.count]) }
            return
        }
        switch record {
        case .end(let end):
            // An end of an earlier hand-over (its successor died first) is not ours.
            guard end.id == id else { return }
            finish(complete: end.complete)
        case .presence(let entries):
            worker.chat.restorePresence(entries)
        case .pollingSession(let snapshot):
            guard let server = worker.engineIO.server(forPath: snapshot.path) else { return }
            if let row = snapshot.ownRow {
                worker.context.region.connections.transfer(row, toWorker: worker.slot, fd: -1)
            }
            server.restoreSession(snapshot, webSocket: nil)
            sessions += 1
        case .connection(let row, let unread, let unsent, let snapshot):
            guard fds.count == 1 else {
                for fd in fds { FileDescriptor.close(fd) }
                Log.warn("hand-over record without exactly one descriptor dropped", ["fds": fds.count])
                return
            }
            if let connection = worker.adoptConnection(fds[0], row: row, unread: unread, unsent: unsent, snapshot) {
                adopted.append(connection)
            }
        }
    }

    func channelClosed(_ channel: MessageChannel) {
        if !finished { finish(complete: false) }
    }
}
