import Glibc
import Shared

/// Dispatch of the verbs, and what they share: loading the settings.
enum Commands {
    static let version = "0.1.0"

    static func run(_ options: CommandLineOptions) -> Int32 {
        if options.helpRequested {
            FileDescriptor.writeAll(1, HelpText.verb(options.verb))
            return 0
        }
        switch options.verb {
        case .help:
            FileDescriptor.writeAll(1, options.helpTopic.map(HelpText.verb) ?? HelpText.program())
            return 0
        case .version:
            FileDescriptor.writeAll(1, "chatroom \(version)\n")
            return 0
        default:
            break
        }
        let configuration: Configuration
        do {
            configuration = try loadConfiguration(options)
        } catch {
            FileDescriptor.writeAll(2, "chatroom: \(error)\n")
            return 2
        }
        switch options.verb {
        case .start: return StartCommand.run(configuration)
        case .stop: return StopCommand.run(configuration)
        case .restart:
            let stopped = StopCommand.run(configuration, quietWhenNotRunning: true)
            return stopped == 0 ? StartCommand.run(configuration) : stopped
        case .reload: return ReloadCommand.run(configuration, kind: options.taskWorkersOnly ? .taskWorker : .worker)
        case .status: return StatusCommand.run(configuration, json: options.json)
        case .migrate:
            Log.configure(role: "migrate", level: configuration.logLevel)
            return DatabaseBootstrap.migrate(configuration)
        case .help, .version: return 0
        }
    }

    static func loadConfiguration(_ options: CommandLineOptions) throws(ConfigError) -> Configuration {
        var configuration = try ConfigLoader.load(envFile: options.envFile,
                                                  environment: ConfigLoader.processEnvironment(),
                                                  flags: options.settings)
        configuration.daemonize = options.daemonize
        if configuration.daemonize && configuration.logFile == nil {
            configuration.logFile = "var/chatroom.log"
        }
        configuration.resolvePaths(against: Configuration.currentDirectory())
        return configuration
    }

    static func say(_ line: String) { FileDescriptor.writeAll(1, line + "\n") }
    static func complain(_ line: String) { FileDescriptor.writeAll(2, "chatroom: " + line + "\n") }

    /// The pid of the master that holds the pid file's lock, or nil when no server runs.
    static func runningMaster(_ configuration: Configuration) -> Int32? {
        guard PidFile.isLocked(configuration.pidFile) else { return nil }
        return PidFile.readPid(configuration.pidFile)
    }

    static func sleepMilliseconds(_ ms: Int) {
        var request = timespec(tv_sec: ms / 1000, tv_nsec: (ms % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
