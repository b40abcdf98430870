import Shared

/// `--help` for the program and for each verb, generated from the settings table.
enum HelpText {
    static func program() -> String {
        var text = """
        chatroom: a live chat room server (HTTP, WebSocket, Socket.IO) with pre-forked workers.

        usage: chatroom <command> [options]

        commands:

        """
        for verb in Verb.allCases {
            text += "  " + verb.rawValue.padding(9) + verb.summary + "\n"
        }
        text += """

        Settings come from a .env file (--env-file, default ./.env), CHATROOM_* environment variables
        and flags, later ones winning. 'chatroom <command> --help' lists each command's options.

        """
        return text
    }

    static func verb(_ verb: Verb) -> String {
        var text = "usage: chatroom \(verb.rawValue)"
        switch verb {
        case .start: text += " [-d] [options]\n\n\(verb.summary).\n"
        case .restart: text += " [-d] [options]\n\n\(verb.summary).\n"
        case .stop: text += " [--pid-file F] [--timeout S]\n\n\(verb.summary): sends SIGTERM and waits (bounded by --timeout) until the master has exited and the port is free.\n"
        case .reload: text += " [--task] [--pid-file F] [--timeout S]\n\n\(verb.summary).\nSends SIGUSR1 (workers) or, with --task, SIGUSR2 (task workers only; they finish their batches first), then waits until every slot runs a new process.\nEach old worker passes its connections, with their protocol state, to its successor: clients see a short pause, no disconnect. Only stop and restart drop connections.\n"
        case .status: text += " [--json] [--pid-file F]\n\n\(verb.summary). Exits 1 when the server is not running.\n"
        case .migrate: text += " [--database-url URL]\n\n\(verb.summary). Each numbered migration runs once, in its own transaction.\n"
        case .help: return "usage: chatroom help [command]\n"
        case .version: return "usage: chatroom version\n"
        }
        text += "\noptions:\n"
        if verb == .start || verb == .restart {
            text += "  " + "-d, --daemon".padding(30) + "run in the background; returns once the server accepts connections\n"
        }
        if verb == .status {
            text += "  " + "--json".padding(30) + "one JSON object, for scripts\n"
        }
        if verb == .reload {
            text += "  " + "--task".padding(30) + "reload only the task workers\n"
        }
        text += "  " + "--env-file FILE".padding(30) + "read settings from FILE (default ./.env if present)\n"
        let defaults = Configuration()
        for flag in verb.acceptedFlags {
            guard let key = ConfigKeys.byFlag(flag) else { continue }
            let left = key.valueName == "BOOL" ? key.flag : "\(key.flag) \(key.valueName)"
            var line = "  " + left.padding(30) + key.help
            let value = key.defaultValue(defaults)
            if !value.isEmpty && key.valueName != "BOOL" { line += " [\(value)]" }
            text += line + "  (\(key.variable))\n"
        }
        text += "  " + "-h, --help".padding(30) + "this text\n"
        return text
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
