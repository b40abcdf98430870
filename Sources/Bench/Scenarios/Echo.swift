import Shared

/// `echo`: every connection sends `ts=<µs>`, waits for the reply, sends the next.
enum EchoScenario {
    static func run(_ options: BenchOptions) throws -> Report {
        let runner = try BenchRunner(options: options)
        var report = Report()
        report.addHeader(options, connections: options.connections)
        let seconds = runner.setup(count: options.connections)
        report.addSetup(runner, seconds: seconds)

        var latency = Histogram()
        var roundTrips = 0
        var sending = true
        let prefix = Array("ts=".utf8)
        func sendNext(_ client: BenchClient) {
            let ts = nowMicros()
            client.inFlight = [ts]
            client.sendStamped(prefix, ts, [])
        }
        runner.onMessage = { client, _, now in
            guard let sentAt = client.inFlight.first else { return }
            latency.record(now - sentAt)
            roundTrips += 1
            client.inFlight = []
            if sending { sendNext(client) }
        }
        let before = ProcessSample.take(options.pids)
        let started = nowMicros()
        for client in runner.readyClients { sendNext(client) }
        runner.run(seconds: options.duration, status: { "\(roundTrips) round trips" })
        sending = false
        let runSeconds = Double(nowMicros() - started) / 1e6
        runner.run(seconds: options.drain, done: { runner.clients.allSatisfy { $0.inFlight.isEmpty || $0.state != .ready } })
        let after = ProcessSample.take(options.pids)

        report.set("run_s", runSeconds)
        report.set("round_trips", roundTrips)
        report.set("round_trips_per_s", Double(roundTrips) / runSeconds)
        report.set("latency_ms", Report.histogram(latency))
        report.line("round trips  \(roundTrips) (\(Report.fmt(Double(roundTrips) / runSeconds, 1))/s)")
        report.line(Report.histogramLine("latency ms  ", latency))
        report.addProcesses(options.pids, before: before, after: after)
        runner.closeAll()
        report.addErrors(runner)
        return report
    }
}
