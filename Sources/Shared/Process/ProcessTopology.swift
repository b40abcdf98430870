import Glibc

/// Every descriptor the master creates before forking: the listening socket and the socketpairs
/// that link the processes. The master keeps all of them for its whole life, so a respawned child
/// inherits the same ends its predecessor had and no other process needs to be told of new ones.
///
///     master <-> each child        control   (ready, peer exited/started)
///     worker i <-> worker j        mesh      (cross-worker broadcast, one pair per i < j)
///     worker w <-> task worker t   task link (jobs one way, acks the other)
///     worker w -> its successor    hand-over (a reload passes live connections to the new process)
public final class ProcessTopology {
    public struct Pair: Sendable, Equatable {
        public let master: Int32
        public let child: Int32
    }

    public let listener: Int32
    public let workerCount: Int
    public let taskWorkerCount: Int
    public let workerControl: [Pair]
    public let taskControl: [Pair]
    /// mesh[i][j]: the descriptor worker i uses to reach worker j (-1 when i == j).
    public let mesh: [[Int32]]
    /// taskLinks[w][t]: (worker end, task worker end).
    public let taskLinks: [[(worker: Int32, task: Int32)]]
    /// handOver[w]: the retiring worker of slot w writes to `master`, its successor reads `child`.
    /// The master holds both ends, so connections in flight survive the gap between the two.
    public let handOver: [Pair]

    public init(listener: Int32, workers: Int, taskWorkers: Int) throws {
        self.listener = listener
        workerCount = workers
        taskWorkerCount = taskWorkers
        workerControl = try (0..<workers).map { _ in let p = try Socket.seqpacketPair(bufferSize: 1 << 20); return Pair(master: p.0, child: p.1) }
        taskControl = try (0..<taskWorkers).map { _ in let p = try Socket.seqpacketPair(bufferSize: 1 << 20); return Pair(master: p.0, child: p.1) }
        var mesh = [[Int32]](repeating: [Int32](repeating: -1, count: workers), count: workers)
        for i in 0..<workers {
            for j in (i + 1)..<max(i + 1, workers) {
                let (a, b) = try Socket.seqpacketPair()
                mesh[i][j] = a
                mesh[j][i] = b
            }
        }
        self.mesh = mesh
        taskLinks = try (0..<workers).map { _ in
            try (0..<taskWorkers).map { _ in
                let (a, b) = try Socket.seqpacketPair()
                return (worker: a, task: b)
            }
        }
        handOver = try (0..<workers).map { _ in let p = try Socket.seqpacketPair(); return Pair(master: p.0, child: p.1) }
    }

    /// The same descriptor numbers, as inherited by an exec'd child (see `ChildLaunch`).
    public init(listener: Int32, workerControl: [Pair], taskControl: [Pair], mesh: [[Int32]],
                taskLinks: [[(worker: Int32, task: Int32)]], handOver: [Pair]) {
        self.listener = listener
        workerCount = workerControl.count
        taskWorkerCount = taskControl.count
        self.workerControl = workerControl
        self.taskControl = taskControl
        self.mesh = mesh
        self.taskLinks = taskLinks
        self.handOver = handOver
    }

    /// Descriptors a child of `role` keeps; it closes every other one it inherited.
    public func descriptors(for role: ProcessRole) -> Set<Int32> {
        switch role {
        case .worker(let w):
            var keep: Set<Int32> = [listener, workerControl[w].child]
            for j in 0..<workerCount where j != w { keep.insert(mesh[w][j]) }
            for t in 0..<taskWorkerCount { keep.insert(taskLinks[w][t].worker) }
            keep.insert(handOver[w].master)
            keep.insert(handOver[w].child)
            return keep
        case .taskWorker(let t):
            var keep: Set<Int32> = [taskControl[t].child]
            for w in 0..<workerCount { keep.insert(taskLinks[w][t].task) }
            return keep
        }
    }

    /// All descriptors of the topology (the master's view).
    public var allDescriptors: [Int32] {
        var all = [listener]
        all += workerControl.flatMap { [$0.master, $0.child] }
        all += taskControl.flatMap { [$0.master, $0.child] }
        for i in 0..<workerCount { for j in 0..<workerCount where i != j { all.append(mesh[i][j]) } }
        for row in taskLinks { for link in row { all += [link.worker, link.task] } }
        all += handOver.flatMap { [$0.master, $0.child] }
        return all
    }

    /// In a freshly forked child: close the topology descriptors that belong to other processes.
    public func closeOthers(keeping role: ProcessRole) {
        let keep = descriptors(for: role)
        for fd in allDescriptors where !keep.contains(fd) { FileDescriptor.close(fd) }
    }

    /// The master closes the listener when it stops accepting (shutdown).
    public func closeListener() {
        FileDescriptor.close(listener)
    }
}
