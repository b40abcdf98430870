import Glibc
import Shared

// chatroom-bench: a single-process epoll WebSocket load client for ChatRoom (loopback only).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.isEmpty || arguments.contains("-h") || arguments.contains("--help") {
    print(BenchOptions.usage)
    exit(arguments.isEmpty ? 2 : 0)
}
let options: BenchOptions
do {
    options = try BenchOptions.parse(arguments)
} catch {
    _ = FileDescriptor.writeAll(2, "chatroom-bench: \(error)\n\(BenchOptions.usage)\n")
    exit(2)
}
signal(SIGPIPE, SIG_IGN)
do {
    let report: Report
    switch options.scenario {
    case .connect: report = try ConnectScenario.run(options)
    case .echo: report = try EchoScenario.run(options)
    case .broadcast: report = try BroadcastScenario.run(options)
    case .chat: report = try ChatScenario.run(options)
    }
    print(report.render(json: options.json))
    let failed = report.fields.first { $0.key == "failed" }?.value.intValue ?? 0
    exit(failed > 0 ? 1 : 0)
} catch {
    _ = FileDescriptor.writeAll(2, "chatroom-bench: \(error)\n")
    exit(1)
}
