/// What to run, from the command line. Pure: parsing never touches the network or the system.
struct BenchOptions: Equatable {
    enum Scenario: String, CaseIterable { case connect, echo, broadcast, chat }

    var scenario: Scenario = .broadcast
    var host = "127.0.0.1"
    var port: UInt16 = 5200
    /// Request path with query; nil means the scenario's default (see `resolvedPath`).
    var path: String?
    var connections = 100
    var senders = 10
    /// Messages per second over all senders; 0 means unpaced (each sender keeps `window` in flight).
    var rate = 100.0
    var window = 8
    var duration = 10.0
    var drain = 2.0
    var rooms = 1
    var sio = false
    var token = ""
    var password = "benchmark"
    var databaseURL: String?
    var pids: [Int32] = []
    var maxPending = 64
    var json = false
    var quiet = false

    static let usage = """
    usage: chatroom-bench SCENARIO [options] [ws://127.0.0.1:PORT/PATH]
    scenarios: connect | echo | broadcast | chat
      -c, --connections N   connections (100)            -s, --senders S   senders (10)
      -R, --rate R          msg/s in all (100; 0 = unpaced, each sender keeps --window in flight)
      -w, --window W        in-flight messages per sender when unpaced (8); chat: until its receipt
      -d, --duration S      seconds to measure (10)      --drain S         wait for stragglers (2)
      --rooms N             rooms 1..N, connection i joins room i % N + 1 (1)
      --sio                 Socket.IO EIO4 instead of the plain-JSON /ws (broadcast, connect)
      --token T             api_token for /ws frames and the Socket.IO handshake
      --host H --port P     server (127.0.0.1:5200); loopback only
      --pid PID             server process to measure (CPU, RSS); repeat for each process
      --database-url URL    chat: PostgreSQL to count stored rows in (psql)
      --password P          chat: password of the registered users (benchmark)
      --max-pending N       connections in setup at once (64)
      --json                print one JSON object     -q, --quiet   no progress on stderr
    """

    struct ParseError: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// The path the scenario connects to unless one was given.
    var resolvedPath: String {
        if let path { return path }
        switch scenario {
        case .echo: return "/echo"
        case .chat: return "/socket.io/?EIO=4&transport=websocket"
        case .connect, .broadcast: return sio ? "/socket.io/?EIO=4&transport=websocket" : "/ws"
        }
    }

    /// Socket.IO framing: `--sio`, the chat scenario, or a /socket.io/ path.
    var usesSocketIO: Bool { sio || scenario == .chat || resolvedPath.hasPrefix("/socket.io/") }

    static func parse(_ arguments: [String]) throws(ParseError) -> BenchOptions {
        var options = BenchOptions()
        var rest = arguments[...]
        guard let first = rest.popFirst() else { throw ParseError("missing scenario") }
        guard let scenario = Scenario(rawValue: first) else { throw ParseError("unknown scenario \(first)") }
        options.scenario = scenario

        func value(_ name: String) throws(ParseError) -> String {
            guard let v = rest.popFirst() else { throw ParseError("\(name) needs a value") }
            return v
        }
        func int(_ name: String, min: Int = 0) throws(ParseError) -> Int {
            let text = try value(name)
            guard let n = Int(text), n >= min else { throw ParseError("\(name): expected an integer >= \(min), got \(text)") }
            return n
        }
        func number(_ name: String) throws(ParseError) -> Double {
            let text = try value(name)
            guard let n = Double(text), n >= 0, n.isFinite else { throw ParseError("\(name): expected a number >= 0, got \(text)") }
            return n
        }

        while let arg = rest.popFirst() {
            switch arg {
            case "-c", "--connections": options.connections = try int(arg, min: 1)
            case "-s", "--senders": options.senders = try int(arg)
            case "-R", "--rate": options.rate = try number(arg)
            case "-w", "--window": options.window = try int(arg, min: 1)
            case "-d", "--duration": options.duration = try number(arg)
            case "--drain": options.drain = try number(arg)
            case "--rooms": options.rooms = try int(arg, min: 1)
            case "--sio": options.sio = true
            case "--token": options.token = try value(arg)
            case "--password": options.password = try value(arg)
            case "--host": options.host = try value(arg)
            case "--port":
                let p = try int(arg, min: 1)
                guard p <= 65535 else { throw ParseError("--port: out of range") }
                options.port = UInt16(p)
            case "--pid":
                let p = try int(arg, min: 1)
                options.pids.append(Int32(clamping: p))
            case "--database-url": options.databaseURL = try value(arg)
            case "--max-pending": options.maxPending = try int(arg, min: 1)
            case "--json": options.json = true
            case "-q", "--quiet": options.quiet = true
            default:
                if arg.hasPrefix("ws://") {
                    try options.applyURL(arg)
                } else {
                    throw ParseError("unknown argument \(arg)")
                }
            }
        }
        guard isLoopback(options.host) else { throw ParseError("refusing \(options.host): only 127.x.x.x or localhost") }
        if options.scenario == .broadcast || options.scenario == .chat {
            guard options.senders <= options.connections else { throw ParseError("more senders than connections") }
        }
        if options.scenario == .chat && options.databaseURL == nil {
            throw ParseError("chat needs --database-url")
        }
        return options
    }

    /// `ws://HOST[:PORT][/PATH[?QUERY]]`.
    mutating func applyURL(_ url: String) throws(ParseError) {
        var rest = Substring(url.dropFirst("ws://".count))
        var authority = rest
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
            authority = rest[..<slash]
            rest = rest[slash...]
            path = rest.hasPrefix("?") ? "/" + rest : String(rest)
        } else {
            path = "/"
        }
        if let colon = authority.lastIndex(of: ":") {
            guard let p = UInt16(authority[authority.index(after: colon)...]), p > 0 else { throw ParseError("bad port in \(url)") }
            port = p
            host = String(authority[..<colon])
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty else { throw ParseError("no host in \(url)") }
    }

    /// 127.x.x.x (dotted quad) or localhost; nothing is ever resolved.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.allSatisfy { part in
            guard !part.isEmpty, part.count <= 3, let n = Int(part) else { return false }
            return n <= 255
        }
    }
}
