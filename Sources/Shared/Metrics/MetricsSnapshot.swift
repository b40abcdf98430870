/// Everything `/metrics` and `chatroom status` show, read from the shared memory in one pass: the
/// counters of every process slot, the master's counters, connections by protocol (from the rows of
/// the connection table) and the rooms.
public struct MetricsSnapshot: Sendable {
    public struct Process: Sendable {
        public let kind: ProcessKind
        public let slot: Int
        public let pid: Int32
        public let state: ProcessState
        public let startedAtMs: UInt64
        public let generation: UInt32
        public let counters: [UInt64]

        public subscript(_ counter: Counter) -> UInt64 { counters[counter.rawValue] }
        /// A gauge, which may dip below zero while processes come and go.
        public func gauge(_ counter: Counter) -> Int64 { Int64(bitPattern: counters[counter.rawValue]) }
    }

    public struct Room: Sendable {
        public let id: Int
        public let members: Int
        /// The seq of its newest message: how many messages the room has had.
        public let lastSeq: UInt64
    }

    /// What a row of the connection table is, a polling Socket.IO session told apart.
    public enum ConnectionKind: String, CaseIterable, Sendable {
        case http, websocket
        case socketIOWebSocket = "socketio_websocket"
        case socketIOPolling = "socketio_polling"
    }

    public let masterPid: Int32
    public let startedAtMs: UInt64
    public let capacity: Int
    public let processes: [Process]
    public let globals: [GlobalCounter: UInt64]
    public let connections: [ConnectionKind: Int]
    public let rooms: [Room]

    /// `roomCount`: rooms 1...roomCount (the configured rooms).
    public init(region: SharedRegion, roomCount: Int) {
        masterPid = region.masterPid
        startedAtMs = region.startedAtMs
        capacity = region.layout.connectionCapacity
        var list: [Process] = []
        for kind in ProcessKind.allCases {
            for slot in 0..<region.processes.slots(kind) {
                let snapshot = region.processes.read(kind: kind, slot: slot)
                let counters = (0..<Counter.allCases.count).map { region.processes.get($0, kind: kind, slot: slot) }
                list.append(Process(kind: kind, slot: slot, pid: snapshot.pid, state: ProcessState(rawValue: snapshot.state) ?? .stopped,
                                    startedAtMs: snapshot.startedAtMs, generation: snapshot.generation, counters: counters))
            }
        }
        processes = list
        var globals: [GlobalCounter: UInt64] = [:]
        for counter in GlobalCounter.allCases { globals[counter] = region.processes.getGlobal(counter.rawValue) }
        self.globals = globals
        var connections = Dictionary(uniqueKeysWithValues: ConnectionKind.allCases.map { ($0, 0) })
        region.connections.forEachLive { row in
            switch ConnectionState(rawValue: row.state) {
            case .webSocket?: connections[.websocket, default: 0] += 1
            case .socketIO?: connections[row.fd < 0 ? .socketIOPolling : .socketIOWebSocket, default: 0] += 1
            case .http?, nil: connections[.http, default: 0] += 1
            }
        }
        self.connections = connections
        let count = min(roomCount, region.rooms.capacity - 1)
        rooms = count < 1 ? [] : (1...count).map {
            Room(id: $0, members: region.rooms.members(room: $0), lastSeq: region.rooms.lastSeq(room: $0))
        }
    }

    /// A counter summed over the processes of `kind`.
    public func total(_ counter: Counter, _ kind: ProcessKind) -> UInt64 {
        processes.filter { $0.kind == kind }.reduce(0) { $0 &+ $1[counter] }
    }

    /// A gauge summed over the processes of `kind`.
    public func gaugeTotal(_ counter: Counter, _ kind: ProcessKind) -> Int64 {
        processes.filter { $0.kind == kind }.reduce(0) { $0 + $1.gauge(counter) }
    }

    /// Inputs refused, by reason (Prometheus label values).
    public var rejections: [(reason: String, count: UInt64)] {
        let refused = total(.connectionsRefused, .worker)
        let byAddress = total(.connectionsRefusedByAddress, .worker)
        return [
            ("connection_table_full", refused &- byAddress),
            ("connections_per_address", byAddress),
            ("rate_limited", total(.messagesRateLimited, .worker)),
            ("job_queue_full", total(.jobsRejected, .worker)),
            ("invalid_event", total(.eventsRefused, .worker)),
            ("protocol_error", total(.protocolErrors, .worker)),
            ("slow_client", total(.slowClientsDropped, .worker)),
        ]
    }

    /// A histogram's per-bucket counts summed over the task workers, and its sum.
    public func histogram(_ histogram: MetricHistogram) -> (buckets: [UInt64], sum: Double) {
        let buckets = histogram.buckets.map { total($0, .taskWorker) }
        return (buckets, Double(total(histogram.sum, .taskWorker)) / histogram.sumScale)
    }
}
