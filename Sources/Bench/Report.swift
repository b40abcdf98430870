import Shared

/// The results of one run: text lines for people, and the same figures as one JSON object.
struct Report {
    private(set) var fields: [(key: String, value: JSONValue)] = []
    private(set) var lines: [String] = []

    mutating func set(_ key: String, _ value: JSONValue) { fields.append((key, value)) }
    mutating func set(_ key: String, _ value: Int) { set(key, .int(Int64(value))) }
    mutating func set(_ key: String, _ value: Double) { set(key, .double(Report.round(value, 3))) }
    mutating func set(_ key: String, _ value: String) { set(key, .string(value)) }
    mutating func line(_ text: String) { lines.append(text) }

    /// A histogram of microseconds as milliseconds: `{"count","p50","p90","p99","p999","max","mean"}`.
    static func histogram(_ h: Histogram) -> JSONValue {
        guard h.count > 0 else { return .null }
        return .object(JSONObject([
            ("count", .int(Int64(h.count))),
            ("p50", .double(ms(h.percentile(50)))), ("p90", .double(ms(h.percentile(90)))),
            ("p99", .double(ms(h.percentile(99)))), ("p999", .double(ms(h.percentile(99.9)))),
            ("max", .double(ms(h.max))), ("mean", .double(round(h.mean / 1000, 3))),
        ]))
    }

    static func histogramLine(_ label: String, _ h: Histogram) -> String {
        guard h.count > 0 else { return "\(label)  (none)" }
        return "\(label)  p50 \(fmt(ms(h.percentile(50)), 3))  p90 \(fmt(ms(h.percentile(90)), 3))  "
            + "p99 \(fmt(ms(h.percentile(99)), 3))  p99.9 \(fmt(ms(h.percentile(99.9)), 3))  max \(fmt(ms(h.max), 3))  "
            + "mean \(fmt(h.mean / 1000, 3))  (n=\(h.count))"
    }

    /// CPU seconds of this process and of each `--pid` between two samples, plus RSS.
    mutating func addProcesses(_ pids: [Int32], before: ProcessSample, after: ProcessSample) {
        let window = after.at - before.at
        var perPid: [JSONValue] = []
        var total = 0.0
        var text = "cpu          chatroom-bench \(Report.fmt(after.selfCPU - before.selfCPU, 2)) s over \(Report.fmt(window, 1)) s"
        for pid in pids {
            let cpu = (after.cpu[pid] ?? nil).flatMap { a in (before.cpu[pid] ?? nil).map { a - $0 } } ?? 0
            total += cpu
            perPid.append(.object(JSONObject([("pid", .int(Int64(pid))), ("cpu_s", .double(Report.round(cpu, 3))),
                                              ("rss_kib", after.rss[pid].map { .int(Int64($0)) } ?? .null)])))
            text += "; pid \(pid) \(Report.fmt(cpu, 2)) s"
        }
        line(text)
        set("cpu", .object(JSONObject([
            ("bench_s", .double(Report.round(after.selfCPU - before.selfCPU, 3))),
            ("window_s", .double(Report.round(window, 3))),
            ("server_s", .double(Report.round(total, 3))),
            ("pids", .array(perPid)),
        ])))
    }

    func render(json: Bool) -> String {
        if json { return String(decoding: JSONWriter.encode(.object(JSONObject(fields))), as: UTF8.self) }
        return lines.joined(separator: "\n")
    }

    static func ms(_ us: Int64) -> Double { round(Double(us) / 1000, 3) }

    static func round(_ x: Double, _ digits: Int) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (x * scale).rounded() / scale
    }

    /// `x` with exactly `digits` decimals (no Foundation).
    static func fmt(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((abs(x) * Double(scale)).rounded())
        let whole = scaled / scale
        var text = (x < 0 && scaled != 0 ? "-" : "") + String(whole)
        if digits > 0 {
            let fraction = String(scaled % scale)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return text
    }
}
