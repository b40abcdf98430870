import Shared

/// `broadcast` (and the messaging part of `chat`): S senders send timestamped chat messages at R
/// msg/s in all (or, with R = 0, each keeps W in flight); every connection counts what it receives.
final class BroadcastScenario {
    let options: BenchOptions
    let runner: BenchRunner
    /// Socket.IO acks (`42<id>[...]` → `43<id>[...]`), as the chat scenario asks for.
    var withAcks = false
    /// Per connection api_token (chat); otherwise `--token` for all.
    var tokens: [String] = []

    private(set) var sent = 0
    private(set) var skipped = 0
    private(set) var expected = 0
    private(set) var received = 0
    private(set) var other = 0
    /// Socket.IO `error` events: messages the server refused (each one never gets a delivery).
    private(set) var refused = 0
    private(set) var firstRefusal: String?
    /// `error` events for messages delivered but not stored (no receipt will come).
    private(set) var unstored = 0
    private static let errorEvent = Array("42[\"error\"".utf8)
    private(set) var setupMessages = 0
    private(set) var foreign = 0
    private(set) var latency = Histogram()
    private(set) var acks = 0
    private(set) var ackLatency = Histogram()
    private var ackSentAt: [Int: Int64] = [:]
    private var nextAckID = 0
    private var measuring = false
    private var sending = false
    private var startedAt: Int64 = 0
    private var lastDelivery: Int64 = 0
    private var lastTs: [Int: Int64] = [:]
    private var roomSize: [Int: Int] = [:]
    private(set) var senders: [BenchClient] = []

    init(options: BenchOptions) throws {
        self.options = options
        runner = try BenchRunner(options: options)
    }

    private var sio: Bool { options.usesSocketIO }

    func token(_ i: Int) -> String { i < tokens.count ? tokens[i] : options.token }

    func room(of i: Int) -> Int { i % options.rooms + 1 }

    /// Sets the paths and joins, opens the connections; returns the setup seconds.
    func setup() -> Double {
        if sio && options.path == nil {
            runner.path = { [unowned self] i in "/socket.io/?EIO=4&transport=websocket&api_token=\(token(i))" }
        }
        runner.configure = { [unowned self] client in
            client.room = room(of: client.id)
            if sio {
                client.joinFrames = ["42[\"room\",{\"roomid\":\"\(client.room)\"}]"]
                client.waitFirst = true
            }
        }
        runner.onMessage = { [unowned self] client, payload, now in receive(client, payload, now) }
        let seconds = runner.setup(count: options.connections)
        for client in runner.readyClients { roomSize[client.room, default: 0] += 1 }
        senders = Array(runner.readyClients.prefix(options.senders))
        return seconds
    }

    /// Runs the send phase and the drain; returns the measured seconds (send phase).
    func run() -> Double {
        measuring = true
        sending = true
        startedAt = nowMicros()
        var timer: TimerID?
        if options.rate > 0 {
            pace()
            timer = runner.loop.scheduleRepeating(every: 1) { [unowned self] in pace() }
        } else {
            for sender in senders { for _ in 0..<options.window { send(sender) } }
        }
        runner.run(seconds: options.duration, status: { [unowned self] in "sent \(sent), received \(received) of \(expected)" })
        if let timer { runner.loop.cancel(timer) }
        sending = false
        let seconds = Double(nowMicros() - startedAt) / 1e6
        runner.run(seconds: options.drain, done: { [unowned self] in received >= expected && (!withAcks || acks + refused + unstored >= sent) })
        measuring = false
        return seconds
    }

    private func pace() {
        guard sending, !senders.isEmpty else { return }
        // The first message goes at once, then one every 1/R s, and never more than duration × R.
        let scheduled = min(Int(Double(nowMicros() - startedAt) * options.rate / 1e6) + 1, Int(options.duration * options.rate))
        let due = scheduled - (sent + skipped)
        guard due > 0 else { return }
        for _ in 0..<due {
            let sender = senders[(sent + skipped) % senders.count]
            if sender.state != .ready || sender.queuedBytes > 1 << 20 { skipped += 1 } else { send(sender) }
        }
    }

    private func send(_ sender: BenchClient) {
        // Distinct per sender, so a sender recognises its own messages in unpaced mode.
        let ts = max(nowMicros(), (lastTs[sender.id] ?? 0) + 1)
        lastTs[sender.id] = ts
        sent += 1
        expected += sio ? roomSize[sender.room, default: 0] : runner.established - runner.dropped
        if options.rate == 0 { sender.inFlight.append(ts) }
        if withAcks {
            let id = nextAckID
            nextAckID += 1
            ackSentAt[id] = ts
            sender.sendStamped(Array("42\(id)".utf8) + template(sender).prefix.dropFirst(2), ts, template(sender).suffix)
        } else {
            let t = template(sender)
            sender.sendStamped(t.prefix, ts, t.suffix)
        }
    }

    /// A sender's message around its timestamp, built once per sender.
    private var templates: [Int: (prefix: [UInt8], suffix: [UInt8])] = [:]

    private func template(_ sender: BenchClient) -> (prefix: [UInt8], suffix: [UInt8]) {
        if let t = templates[sender.id] { return t }
        let t: (prefix: [UInt8], suffix: [UInt8])
        if sio {
            t = (Array("42[\"message\",{\"roomid\":\"\(sender.room)\",\"msg\":\"ts=".utf8), Array("\"}]".utf8))
        } else {
            t = (Array("{\"token\":\"\(token(sender.id))\",\"room_id\":\(sender.room),\"type\":\"text\",\"content\":\"ts=".utf8),
                 Array("\"}".utf8))
        }
        templates[sender.id] = t
        return t
    }

    private func receive(_ client: BenchClient, _ payload: UnsafeRawBufferPointer, _ now: Int64) {
        guard measuring else { setupMessages += 1; return }
        if withAcks, let id = TimestampScanner.ackID(in: payload) {
            if let at = ackSentAt.removeValue(forKey: id) {
                acks += 1
                ackLatency.record(now - at)
                // With receipts, a message stays in flight until its receipt (the row is committed).
                if options.rate == 0, let index = client.inFlight.firstIndex(of: at) {
                    client.inFlight.remove(at: index)
                    if sending && client.state == .ready { send(client) }
                }
            }
            return
        }
        if payload.starts(with: BroadcastScenario.errorEvent) {
            errorEvent(client, payload)
            return
        }
        guard let ts = TimestampScanner.timestamp(in: payload) else { other += 1; return }
        guard ts <= now, now - ts < 3_600_000_000 else { foreign += 1; return }
        received += 1
        lastDelivery = now
        latency.record(now - ts)
        if options.rate == 0, !withAcks, let index = client.inFlight.firstIndex(of: ts) {
            client.inFlight.remove(at: index)
            if sending && client.state == .ready { send(client) }
        }
    }

    /// A refused message (never delivered, never acked) or one that could not be stored (delivered,
    /// never acked): the server answers a sender's messages in order, so it is the sender's oldest.
    private func errorEvent(_ client: BenchClient, _ payload: UnsafeRawBufferPointer) {
        let text = String(decoding: payload.prefix(200), as: UTF8.self)
        if text.contains("could not be stored") {
            unstored += 1
            guard withAcks else { return }  // its delivery already freed the slot
        } else {
            refused += 1
            if firstRefusal == nil { firstRefusal = text }
            expected -= sio ? roomSize[client.room, default: 0] : runner.established - runner.dropped
        }
        guard options.rate == 0, !client.inFlight.isEmpty else { return }
        let oldest = client.inFlight.removeFirst()
        if let id = ackSentAt.first(where: { $0.value == oldest })?.key { ackSentAt[id] = nil }
        if sending && client.state == .ready { send(client) }
    }

    /// The delivery figures, as wsload names them.
    func addResults(to report: inout Report, runSeconds: Double) {
        let span = max(runSeconds, Double(lastDelivery - startedAt) / 1e6)
        let rate = span > 0 ? Double(received) / span : 0
        report.set("senders", senders.count)
        report.set("rooms", options.rooms)
        report.set("msg_rate", options.rate)
        report.set("window", options.window)
        report.set("run_s", runSeconds)
        report.set("sent", sent)
        report.set("send_rate", Double(sent) / runSeconds)
        report.set("skipped", skipped)
        report.set("expected", expected)
        report.set("received", received)
        report.set("loss", max(0, expected - received))
        report.set("extra", max(0, received - expected))
        report.set("deliveries_per_s", rate)
        report.set("latency_ms", Report.histogram(latency))
        report.set("other_msgs", other)
        report.set("setup_msgs", setupMessages)
        report.set("foreign_ts", foreign)
        report.set("refused", refused)
        report.set("unstored", unstored)
        report.line("messages     sent \(sent) (\(Report.fmt(Double(sent) / runSeconds, 1))/s)  skipped \(skipped)  senders \(senders.count)  rooms \(options.rooms)")
        report.line("deliveries   received \(received) of \(expected) expected  loss \(max(0, expected - received))  "
                    + "extra \(max(0, received - expected))  \(Report.fmt(rate, 1))/s")
        report.line(Report.histogramLine("latency ms  ", latency))
        report.line("other msgs   during run \(other), during setup \(setupMessages), foreign ts \(foreign)")
        if refused > 0 { report.line("refused      \(refused) error events, first: \(firstRefusal ?? "")") }
        if unstored > 0 { report.line("unstored     \(unstored) messages delivered but not stored") }
        if withAcks {
            report.set("acks", acks)
            report.set("ack_latency_ms", Report.histogram(ackLatency))
            report.line("acks         \(acks) of \(sent)")
            report.line(Report.histogramLine("ack ms      ", ackLatency))
        }
    }

    /// `broadcast`.
    static func run(_ options: BenchOptions) throws -> Report {
        let scenario = try BroadcastScenario(options: options)
        var report = Report()
        report.addHeader(options, connections: options.connections)
        report.addSetup(scenario.runner, seconds: scenario.setup())
        let before = ProcessSample.take(options.pids)
        let seconds = scenario.run()
        let after = ProcessSample.take(options.pids)
        scenario.addResults(to: &report, runSeconds: seconds)
        report.addProcesses(options.pids, before: before, after: after)
        scenario.runner.closeAll()
        report.addErrors(scenario.runner)
        return report
    }
}
