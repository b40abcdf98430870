import Shared

/// `chat`: N users registered over HTTP, each connected with its own token (Socket.IO EIO4),
/// joined to rooms; S senders send with acks; then the rows stored in PostgreSQL are counted.
enum ChatScenario {
    static func run(_ options: BenchOptions) throws -> Report {
        var report = Report()
        report.addHeader(options, connections: options.connections)
        let scenario = try BroadcastScenario(options: options)
        scenario.withAcks = true

        var random = FastRandom()
        let tag = String(random.next() % 1_000_000_000, radix: 36)
        let registerStart = nowMicros()
        for i in 0..<options.connections {
            scenario.tokens.append(try HTTPRegister.register(host: options.host, port: options.port,
                                                             email: "bench-\(tag)-\(i)@example.com", password: options.password))
        }
        let registerSeconds = Double(nowMicros() - registerStart) / 1e6
        report.set("registered", scenario.tokens.count)
        report.set("register_s", registerSeconds)
        report.line("users        \(scenario.tokens.count) registered in \(Report.fmt(registerSeconds, 2)) s")

        let rowsBefore = options.databaseURL.flatMap { PSQL.count($0) }
        report.addSetup(scenario.runner, seconds: scenario.setup())
        let before = ProcessSample.take(options.pids)
        let seconds = scenario.run()
        let after = ProcessSample.take(options.pids)
        scenario.addResults(to: &report, runSeconds: seconds)

        // Acked means committed, so the rows should all be there; wait briefly for any stragglers.
        var rowsAfter = options.databaseURL.flatMap { PSQL.count($0) }
        let deadline = nowMicros() + 10_000_000
        while let b = rowsBefore, let a = rowsAfter, a - b < scenario.sent, nowMicros() < deadline {
            scenario.runner.run(seconds: 0.2)
            rowsAfter = options.databaseURL.flatMap { PSQL.count($0) }
        }
        if let b = rowsBefore, let a = rowsAfter {
            report.set("rows_stored", a - b)
            report.set("rows_missing", max(0, scenario.sent - (a - b)))
            report.line("postgresql   \(a - b) rows stored for \(scenario.sent) messages sent, \(scenario.acks) acked")
        } else {
            report.set("rows_stored", .null)
            report.line("postgresql   could not count rows (psql failed)")
        }
        report.addProcesses(options.pids, before: before, after: after)
        scenario.runner.closeAll()
        report.addErrors(scenario.runner)
        return report
    }
}
