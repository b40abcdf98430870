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
        let report = StatusReport(region: region)
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

    init(region: SharedRegion) {
        let now = Clock.wallMilliseconds()
        masterPid = region.masterPid
        host = region.host
        port = region.port
        uptimeSeconds = max(0, (now - Int64(region.startedAtMs)) / 1000)
        capacity = region.layout.connectionCapacity
        connections = region.connections.count
        var list: [Process] = []
        for (kind, count, name) in [(ProcessKind.worker, region.layout.workerSlots, "worker"),
                                    (ProcessKind.taskWorker, region.layout.taskWorkerSlots, "task")] {
            for slot in 0..<count {
                let snapshot = region.processes.read(kind: kind, slot: slot)
                var counters: [Counter: UInt64] = [:]
                for counter in Counter.allCases {
                    counters[counter] = region.processes.get(counter.rawValue, kind: kind, slot: slot)
                }
                list.append(Process(role: name, slot: slot, pid: snapshot.pid,
                                    state: ProcessState(rawValue: snapshot.state)?.label ?? "unknown",
                                    uptimeSeconds: snapshot.pid == 0 ? 0 : max(0, (now - Int64(snapshot.startedAtMs)) / 1000),
                                    generation: snapshot.generation, counters: counters))
            }
        }
        processes = list
        var globals: [GlobalCounter: UInt64] = [:]
        for counter in GlobalCounter.allCases { globals[counter] = region.processes.getGlobal(counter.rawValue) }
        self.globals = globals
    }

    func text() -> String {
        var lines = ["chatroom is running: master pid \(masterPid), up \(Self.duration(uptimeSeconds)), listening on \(host):\(port)"]
        lines.append("connections \(connections) of \(capacity); restarts: workers \(globals[.workerRestarts] ?? 0), task workers \(globals[.taskWorkerRestarts] ?? 0); reloads \(globals[.reloads] ?? 0)")
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
        var bytes: [UInt8] = []
        JSONWriter.write(.object(root), into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func duration(_ seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        if seconds < 86400 { return "\(seconds / 3600)h\((seconds % 3600) / 60)m" }
        return "\(seconds / 86400)d\((seconds % 86400) / 3600)h"
    }
}
