import Shared

/// `connect`: open N connections, hold them, report handshakes/s and server RSS per connection.
enum ConnectScenario {
    static func run(_ options: BenchOptions) throws -> Report {
        let runner = try BenchRunner(options: options)
        if options.usesSocketIO && !options.token.isEmpty && options.path == nil {
            runner.path = { _ in "/socket.io/?EIO=4&transport=websocket&api_token=\(options.token)" }
        }
        var report = Report()
        report.addHeader(options, connections: options.connections)
        let before = ProcessSample.take(options.pids)
        let seconds = runner.setup(count: options.connections)
        report.addSetup(runner, seconds: seconds)
        runner.run(seconds: options.duration, status: { "holding \(runner.established - runner.dropped) connections" })
        let after = ProcessSample.take(options.pids)
        report.set("hold_s", options.duration)

        let rssBefore = options.pids.compactMap { before.rss[$0] }.reduce(0, +)
        let rssAfter = options.pids.compactMap { after.rss[$0] }.reduce(0, +)
        if !options.pids.isEmpty && runner.established > 0 {
            let perConnection = Double((rssAfter - rssBefore) * 1024) / Double(runner.established)
            report.set("server_rss_kib_before", rssBefore)
            report.set("server_rss_kib_after", rssAfter)
            report.set("rss_bytes_per_conn", perConnection)
            report.line("server rss   \(rssBefore) KiB -> \(rssAfter) KiB: \(Report.fmt(perConnection, 0)) bytes per connection")
        } else {
            report.set("rss_bytes_per_conn", .null)
        }
        report.addProcesses(options.pids, before: before, after: after)
        runner.closeAll()
        report.addErrors(runner)
        return report
    }
}
