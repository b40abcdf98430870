import Shared

/// Report lines every scenario shares.
extension Report {
    mutating func addHeader(_ options: BenchOptions, connections: Int) {
        set("mode", options.scenario.rawValue)
        set("url", "ws://\(options.host):\(options.port)\(options.resolvedPath)")
        set("sio", .bool(options.usesSocketIO))
        set("conns", connections)
        set("duration_s", options.duration)
        line("chatroom-bench \(options.scenario.rawValue) ws://\(options.host):\(options.port)\(options.resolvedPath)  conns \(connections)"
             + (options.usesSocketIO ? "  socket.io" : ""))
    }

    mutating func addSetup(_ runner: BenchRunner, seconds: Double) {
        set("established", runner.established)
        set("failed", runner.failed)
        set("setup_s", seconds)
        set("handshakes_per_s", seconds > 0 ? Double(runner.established) / seconds : 0)
        set("handshake_ms", Report.histogram(runner.handshake))
        set("ready_ms", Report.histogram(runner.readyLatency))
        line("connections  established \(runner.established)/\(runner.clients.count)  failed \(runner.failed)  setup \(Report.fmt(seconds, 2)) s"
             + "  (\(Report.fmt(seconds > 0 ? Double(runner.established) / seconds : 0, 0)) handshakes/s)")
        line(Report.histogramLine("handshake ms", runner.handshake))
    }

    mutating func addErrors(_ runner: BenchRunner) {
        let total = runner.errorKinds.values.reduce(0, +)
        set("dropped", runner.dropped)
        set("clean_closes", runner.cleanCloses)
        set("errors", total)
        set("error_kinds", .object(JSONObject(runner.errorKinds.sorted { $0.key < $1.key }.map { ($0.key, .int(Int64($0.value))) })))
        set("first_error", runner.firstError.map { .string($0) } ?? .null)
        line("closing      \(runner.cleanCloses) clean; dropped during the run \(runner.dropped)")
        line("errors       \(total)" + (runner.firstError.map { "  first: \($0)" } ?? ""))
    }
}
