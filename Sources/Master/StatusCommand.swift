import Glibc
import Shared

/// `chatroom status [--json]`: the running server's processes, connections and queues, read from its
/// shared memory.
enum StatusCommand {
    static func run(_ configuration: Configuration, json: Bool) -> Int32 {
        guard let pid = Commands.runningMaster(configuration) else {
            if json {
                Commands.say("{\"running\":false,\"pid_file\":\(jsonString(configuration.pidFile))}")
            } else {
                Commands.say("chatroom is not running (no live server holds \(configuration.pidFile))")
            }
            return 1
        }
        let region: SharedRegion
        do {
            region = try SharedRegion.open(name: SharedRegion.name(forPidFile: configuration.pidFile), writable: false)
        } catch {
            Commands.complain("pid \(pid) holds the pid file but its shared memory cannot be read: \(error)")
            return 1
        }
        defer { region.close() }
        let report = StatusReport(region: region, roomNames: configuration.rooms)
        Commands.say(json ? report.json() : report.text())
        return 0
    }

    static func jsonString(_ text: String) -> String {
        var bytes: [UInt8] = []
        JSONWriter.appendString(text, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A snapshot of the shared memory, formatted for people or scripts.
struct StatusReport {
    struct Process {
        let role: String
        let slot: Int
        let pid: Int32
        let state: String
        let uptimeSeconds: Int64
        let generation: UInt32
        let counters: [Counter: UInt64]
    }

    let masterPid: Int32
    let host: String
    let port: UInt16
    let uptimeSeconds: Int64
    let capacity: Int
    let connections: Int
    let processes: [Process]
    let globals: [GlobalCounter: UInt64]
    /// The same numbers as `GET /metrics`.
    let metrics: MetricsSnapshot
    let roomNames: [String]

    init(region: SharedRegion, roomNames: [String]) {
        metrics = MetricsSnapshot(region: region, roomCount: roomNames.count)
        self.roomNames = roomNames
        let now = Clock.wallMilliseconds()
        masterPid = region.masterPid
        host = region.host
        port = region.port
        uptimeSeconds = max(0, (now - Int64(region.startedAtMs)) / 1000)
        capacity = region.layout.connectionCapacity
        connections = region.connections.count
        // The processes and the master's counters as `/metrics` reads them.
        processes = metrics.processes.map { p in
            var counters: [Counter: UInt64] = [:]
            for counter in Counter.allCases { counters[counter] = p[counter] }
            return Process(role: p.kind == .worker ? "worker" : "task", slot: p.slot, pid: p.pid, state: p.state.label,
                           uptimeSeconds: p.pid == 0 ? 0 : max(0, (now - Int64(p.startedAtMs)) / 1000),
                           generation: p.generation, counters: counters)
        }
        globals = metrics.globals
    }

    func text() -> String {
        var lines = ["chatroom is running: master pid \(masterPid), up \(Self.duration(uptimeSeconds)), listening on \(host):\(port)"]
        lines.append("connections \(connections) of \(capacity); restarts: workers \(globals[.workerRestarts] ?? 0), task workers \(globals[.taskWorkerRestarts] ?? 0); reloads \(globals[.reloads] ?? 0)")
        let c = metrics.connections
        lines.append("by protocol: http \(c[.http] ?? 0), websocket \(c[.websocket] ?? 0), socket.io \(c[.socketIOWebSocket] ?? 0) on websocket + \(c[.socketIOPolling] ?? 0) polling")
        lines.append("rooms: " + metrics.rooms.map { "\(roomName($0.id)) \($0.members) connected, \($0.lastSeq) messages" }.joined(separator: "; "))
        lines.append("messages: \(metrics.total(.messagesIn, .worker)) received, \(metrics.total(.messagesOut, .worker)) chat messages, "
                     + "\(metrics.total(.deliveries, .worker)) deliveries, \(metrics.total(.messagesStored, .taskWorker)) stored")
        let sizes = metrics.histogram(.batchSize), times = metrics.histogram(.batchSeconds)
        let batches = sizes.buckets.reduce(0, +)
        let perBatch = batches == 0 ? "" : String(format1: sizes.sum / Double(batches)) + " jobs and "
            + String(format1: times.sum * 1000 / Double(batches)) + " ms per batch on average"
        lines.append("task queue: \(metrics.gaugeTotal(.jobsPending, .worker)) jobs pending in workers, \(metrics.gaugeTotal(.taskBacklog, .taskWorker)) in task workers; \(batches) batches" + (perBatch.isEmpty ? "" : ", " + perBatch))
        lines.append("rejected: " + metrics.rejections.map { "\($0.reason) \($0.count)" }.joined(separator: ", "))
        lines.append("")
        lines.append("ROLE      PID      STATE     UP        CONNS   WS      MSGS IN   JOBS PENDING  BACKLOG  DONE")
        for p in processes {
            let c = p.counters
            var line = "\(p.role)#\(p.slot)".padding(10) + String(p.pid).padding(9) + p.state.padding(10)
            line += Self.duration(p.uptimeSeconds).padding(10)
            if p.role == "worker" {
                line += String(c[.connections] ?? 0).padding(8) + String(c[.webSocketConnections] ?? 0).padding(8)
                line += String(c[.messagesIn] ?? 0).padding(10) + String(c[.jobsPending] ?? 0).padding(14)
                line += "-".padding(9) + "-"
            } else {
                line += "-".padding(8) + "-".padding(8) + "-".padding(10) + "-".padding(14)
                line += String(c[.taskBacklog] ?? 0).padding(9) + String(c[.jobsCompleted] ?? 0)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    func json() -> String {
        var processList: [JSONValue] = []
        for p in processes {
            var counters = JSONObject()
            for counter in Counter.allCases { counters[String(describing: counter)] = .int(Int64(p.counters[counter] ?? 0)) }
            var object = JSONObject()
            object["role"] = .string(p.role)
            object["slot"] = .int(Int64(p.slot))
            object["pid"] = .int(Int64(p.pid))
            object["state"] = .string(p.state)
            object["uptime_s"] = .int(p.uptimeSeconds)
            object["generation"] = .int(Int64(p.generation))
            object["counters"] = .object(counters)
            processList.append(.object(object))
        }
        var globalsObject = JSONObject()
        for counter in GlobalCounter.allCases { globalsObject[String(describing: counter)] = .int(Int64(globals[counter] ?? 0)) }
        var root = JSONObject()
        root["running"] = .bool(true)
        root["master_pid"] = .int(Int64(masterPid))
        root["listen"] = .string("\(host):\(port)")
        root["uptime_s"] = .int(uptimeSeconds)
        root["connections"] = .int(Int64(connections))
        root["capacity"] = .int(Int64(capacity))
        root["processes"] = .array(processList)
        root["globals"] = .object(globalsObject)
        var byProtocol = JSONObject()
        for kind in MetricsSnapshot.ConnectionKind.allCases { byProtocol[kind.rawValue] = .int(Int64(metrics.connections[kind] ?? 0)) }
        root["connections_by_protocol"] = .object(byProtocol)
        root["rooms"] = .array(metrics.rooms.map { room in
            .object(["id": .int(Int64(room.id)), "name": .string(roomName(room.id)), "members": .int(Int64(room.members)),
                     "messages": .int(Int64(room.lastSeq))])
        })
        var rejected = JSONObject()
        for (reason, count) in metrics.rejections { rejected[reason] = .int(Int64(count)) }
        root["rejected"] = .object(rejected)
        let sizes = metrics.histogram(.batchSize), times = metrics.histogram(.batchSeconds)
        root["batches"] = .object(["count": .int(Int64(sizes.buckets.reduce(0, +))), "jobs": .int(Int64(sizes.sum)),
                                   "seconds": .double(times.sum),
                                   "size_buckets": .array(sizes.buckets.map { .int(Int64($0)) }),
                                   "duration_buckets": .array(times.buckets.map { .int(Int64($0)) })])
        var bytes: [UInt8] = []
        JSONWriter.write(.object(root), into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    func roomName(_ id: Int) -> String { id <= roomNames.count ? roomNames[id - 1] : "room \(id)" }

    static func duration(_ seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        if seconds < 86400 { return "\(seconds / 3600)h\((seconds % 3600) / 60)m" }
        return "\(seconds / 86400)d\((seconds % 86400) / 3600)h"
    }
}

extension String {
    /// One decimal, without Foundation.
    init(format1 value: Double) {
        let tenths = Int64((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
