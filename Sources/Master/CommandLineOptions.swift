import Shared

/// The verbs of `chatroom`, LaravelS style.
enum Verb: String, CaseIterable {
    case start, stop, restart, reload, status, migrate, help, version

    var summary: String {
        switch self {
        case .start: return "start the server (in the foreground; -d to run as a daemon)"
        case .stop: return "stop a running server and wait until its port is free"
        case .restart: return "stop, then start with the given options"
        case .reload: return "replace the workers one by one with the installed binary, keeping every client connected"
        case .status: return "show processes, connections and queues of a running server"
        case .migrate: return "apply pending database migrations (start does this too)"
        case .help: return "show help for a command"
        case .version: return "print the version"
        }
    }

    /// Settings (by flag) that the verb accepts besides --env-file and --help.
    var acceptedFlags: [String] {
        switch self {
        case .start, .restart: return ConfigKeys.all.map(\.flag)
        case .stop: return ["--pid-file", "--timeout", "--host", "--port"]
        case .reload: return ["--pid-file", "--timeout"]
        case .status: return ["--pid-file"]
        case .migrate: return ["--database-url", "--log-level"]
        case .help, .version: return []
        }
    }
}

/// A parsed command line.
struct CommandLineOptions {
    var verb: Verb
    var helpRequested = false
    var daemonize = false
    var envFile: String?
    var settings: [(String, String)] = []
    var json = false
    var taskWorkersOnly = false
    var helpTopic: Verb?

    /// Parses `arguments` (without the program name). Errors are one line for exit status 2.
    static func parse(_ arguments: [String]) throws(ConfigError) -> CommandLineOptions {
        guard let first = arguments.first else { return CommandLineOptions(verb: .help) }
        if first == "-h" || first == "--help" { return CommandLineOptions(verb: .help) }
        if first == "-V" || first == "--version" { return CommandLineOptions(verb: .version) }
        guard let verb = Verb(rawValue: first) else {
            throw ConfigError("unknown command '\(first)' (try 'chatroom --help')")
        }
        var options = CommandLineOptions(verb: verb)
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if verb == .help {
                guard let topic = Verb(rawValue: argument) else { throw ConfigError("no help for '\(argument)'") }
                options.helpTopic = topic
                continue
            }
            var flag = argument
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            switch flag {
            case "-h", "--help":
                options.helpRequested = true
                continue
            case "-d", "--daemon", "--daemonize":
                guard verb == .start || verb == .restart else { throw ConfigError("\(flag) is only for start and restart") }
                options.daemonize = true
                continue
            case "--json":
                guard verb == .status else { throw ConfigError("--json is only for status") }
                options.json = true
                continue
            case "--task":
                guard verb == .reload else { throw ConfigError("--task is only for reload") }
                options.taskWorkersOnly = true
                continue
            case "--env-file":
                guard let value = inlineValue ?? (index < arguments.count ? arguments[index] : nil) else {
                    throw ConfigError("--env-file needs a value")
                }
                if inlineValue == nil { index += 1 }
                options.envFile = value
                continue
            default:
                break
            }
            guard flag.hasPrefix("-") else { throw ConfigError("unexpected argument '\(argument)' for \(verb.rawValue)") }
            guard let key = ConfigKeys.byFlag(flag) else {
                throw ConfigError("unknown option \(flag) for \(verb.rawValue) (try 'chatroom \(verb.rawValue) --help')")
            }
            guard verb.acceptedFlags.contains(flag) else {
                throw ConfigError("option \(flag) does not apply to \(verb.rawValue)")
            }
            if key.valueName == "BOOL" && inlineValue == nil {
                options.settings.append((flag, "true"))
                continue
            }
            guard let value = inlineValue ?? (index < arguments.count ? arguments[index] : nil) else {
                throw ConfigError("\(flag) needs a value (\(key.valueName))")
            }
            if inlineValue == nil { index += 1 }
            options.settings.append((flag, value))
        }
        return options
    }
}
