/// Every setting the server reads. This table is the single source for the `.env` names, the
/// flags, `--help` and the README's configuration section.
public enum ConfigKeys {
    public static let all: [ConfigKey] = [
        ConfigKey("CHATROOM_HOST", flag: "--host", value: "ADDR",
                  help: "address to listen on (numeric IPv4/IPv6, or 'localhost', '*')",
                  get: { $0.host }, set: { c, v throws(ConfigError) in
                      let host = try ConfigValue.nonEmpty(v, "host")
                      guard (try? SocketAddress.resolve(host: host, port: 0)) != nil else {
                          throw ConfigError("invalid value for host: '\(v)' (expected a numeric IPv4/IPv6 address, 'localhost' or '*')")
                      }
                      c.host = host
                  }),
        ConfigKey("CHATROOM_PORT", flag: "--port", value: "N", help: "TCP port",
                  get: { String($0.port) }, set: { c, v throws(ConfigError) in
                      c.port = UInt16(try ConfigValue.integer(v, 1...65535, "port"))
                  }),
        ConfigKey("CHATROOM_WORKERS", flag: "--workers", value: "N", help: "reactor worker processes (default: number of cores)",
                  get: { String($0.workers) }, set: { c, v throws(ConfigError) in
                      c.workers = try ConfigValue.integer(v, 1...64, "workers")
                  }),
        ConfigKey("CHATROOM_TASK_WORKERS", flag: "--task-workers", value: "N", help: "task worker processes (default: number of cores)",
                  get: { String($0.taskWorkers) }, set: { c, v throws(ConfigError) in
                      c.taskWorkers = try ConfigValue.integer(v, 1...64, "task-workers")
                  }),
        ConfigKey("CHATROOM_PID_FILE", flag: "--pid-file", value: "FILE", help: "pid file; it also names the shared memory that `status` reads",
                  get: { $0.pidFile }, set: { c, v throws(ConfigError) in
                      c.pidFile = try ConfigValue.nonEmpty(v, "pid-file")
                  }),
        ConfigKey("CHATROOM_LOG_FILE", flag: "--log-file", value: "FILE", help: "log file (default: standard error; var/chatroom.log with -d)",
                  get: { $0.logFile ?? "" }, set: { c, v throws(ConfigError) in
                      c.logFile = try ConfigValue.nonEmpty(v, "log-file")
                  }),
        ConfigKey("CHATROOM_LOG_LEVEL", flag: "--log-level", value: "LEVEL", help: "debug, info, warn or error",
                  get: { $0.logLevel.label.lowercased() }, set: { c, v throws(ConfigError) in
                      guard let level = LogLevel(name: v.trimmingSpaces) else {
                          throw ConfigError("invalid value for log-level: '\(v)' (expected debug, info, warn or error)")
                      }
                      c.logLevel = level
                  }),
        ConfigKey("CHATROOM_STATIC_DIR", flag: "--static-dir", value: "DIR", help: "directory served at / (the web page)",
                  get: { $0.staticDir }, set: { c, v throws(ConfigError) in
                      c.staticDir = try ConfigValue.nonEmpty(v, "static-dir")
                  }),
        ConfigKey("CHATROOM_ECHO", flag: "--echo", value: "BOOL", help: "serve the /echo WebSocket endpoint (conformance tests)",
                  get: { String($0.echo) }, set: { c, v throws(ConfigError) in
                      c.echo = try ConfigValue.boolean(v, "echo")
                  }),
        ConfigKey("CHATROOM_METRICS", flag: "--metrics", value: "BOOL", help: "serve GET /metrics (Prometheus text; keep it to localhost in the proxy)",
                  get: { String($0.metrics) }, set: { c, v throws(ConfigError) in
                      c.metrics = try ConfigValue.boolean(v, "metrics")
                  }),
        ConfigKey("CHATROOM_MAX_CONNECTIONS", flag: "--max-connections", value: "N", help: "capacity of the shared connection table; more connections are refused",
                  get: { String($0.maxConnections) }, set: { c, v throws(ConfigError) in
                      c.maxConnections = try ConfigValue.integer(v, 16...4_000_000, "max-connections")
                  }),
        ConfigKey("CHATROOM_MAX_CONNECTIONS_PER_IP", flag: "--max-connections-per-ip", value: "N", help: "open connections from one client address, all workers together (0 = no limit; 127.0.0.1 and ::1 are exempt)",
                  get: { String($0.maxConnectionsPerIP) }, set: { c, v throws(ConfigError) in
                      c.maxConnectionsPerIP = try ConfigValue.integer(v, 0...4_000_000, "max-connections-per-ip")
                  }),
        ConfigKey("CHATROOM_MAX_MESSAGE_SIZE", flag: "--max-message-size", value: "BYTES", help: "largest WebSocket message (close 1009 above it)",
                  get: { String($0.maxMessageSize) }, set: { c, v throws(ConfigError) in
                      c.maxMessageSize = try ConfigValue.size(v, 125...(1 << 30), "max-message-size")
                  }),
        ConfigKey("CHATROOM_MAX_OUTPUT_BUFFER", flag: "--max-output-buffer", value: "BYTES", help: "bytes queued for one slow client before it is disconnected",
                  get: { String($0.maxOutputBuffer) }, set: { c, v throws(ConfigError) in
                      c.maxOutputBuffer = try ConfigValue.size(v, 4096...(1 << 31), "max-output-buffer")
                  }),
        ConfigKey("CHATROOM_MAX_BODY_SIZE", flag: "--max-body-size", value: "BYTES", help: "largest HTTP request body (413 above it)",
                  get: { String($0.maxBodySize) }, set: { c, v throws(ConfigError) in
                      c.maxBodySize = try ConfigValue.size(v, 0...(1 << 30), "max-body-size")
                  }),
        ConfigKey("CHATROOM_MAX_REQUEST_HEAD", flag: "--max-request-head", value: "BYTES", help: "largest HTTP request head (431 above it)",
                  get: { String($0.maxRequestHead) }, set: { c, v throws(ConfigError) in
                      c.maxRequestHead = try ConfigValue.size(v, 1024...(1 << 20), "max-request-head")
                  }),
        ConfigKey("CHATROOM_REQUEST_TIMEOUT", flag: "--request-timeout", value: "SECONDS", help: "time allowed to send a whole HTTP request",
                  get: { String($0.requestTimeout) }, set: { c, v throws(ConfigError) in
                      c.requestTimeout = try ConfigValue.seconds(v, 1...3600, "request-timeout")
                  }),
        ConfigKey("CHATROOM_KEEPALIVE_TIMEOUT", flag: "--keepalive-timeout", value: "SECONDS", help: "idle keep-alive HTTP connections are closed after this",
                  get: { String($0.keepAliveTimeout) }, set: { c, v throws(ConfigError) in
                      c.keepAliveTimeout = try ConfigValue.seconds(v, 1...3600, "keepalive-timeout")
                  }),
        ConfigKey("CHATROOM_HANDSHAKE_TIMEOUT", flag: "--handshake-timeout", value: "SECONDS", help: "time from connect to the first request head and to the Socket.IO CONNECT",
                  get: { String($0.handshakeTimeout) }, set: { c, v throws(ConfigError) in
                      c.handshakeTimeout = try ConfigValue.seconds(v, 1...3600, "handshake-timeout")
                  }),
        ConfigKey("CHATROOM_IDLE_TIMEOUT", flag: "--idle-timeout", value: "SECONDS", help: "close a Socket.IO connection still anonymous (no valid token) after this (0 = never)",
                  get: { String($0.idleTimeout) }, set: { c, v throws(ConfigError) in
                      c.idleTimeout = try ConfigValue.seconds(v, 0...86_400, "idle-timeout")
                  }),
        ConfigKey("CHATROOM_PING_INTERVAL", flag: "--ping-interval", value: "SECONDS", help: "ping idle WebSocket clients after this",
                  get: { String($0.pingInterval) }, set: { c, v throws(ConfigError) in
                      c.pingInterval = try ConfigValue.seconds(v, 1...3600, "ping-interval")
                  }),
        ConfigKey("CHATROOM_PING_TIMEOUT", flag: "--ping-timeout", value: "SECONDS", help: "close a WebSocket client silent this long after a ping",
                  get: { String($0.pingTimeout) }, set: { c, v throws(ConfigError) in
                      c.pingTimeout = try ConfigValue.seconds(v, 1...3600, "ping-timeout")
                  }),
        ConfigKey("CHATROOM_MAX_ROOMS", flag: "--max-rooms", value: "N", help: "capacity of the shared room table (room ids below it)",
                  get: { String($0.maxRooms) }, set: { c, v throws(ConfigError) in
                      c.maxRooms = try ConfigValue.integer(v, 4...1_000_000, "max-rooms")
                  }),
        ConfigKey("CHATROOM_SHUTDOWN_TIMEOUT", flag: "--timeout", value: "SECONDS", help: "how long stop waits for a graceful shutdown",
                  get: { String($0.shutdownTimeout) }, set: { c, v throws(ConfigError) in
                      c.shutdownTimeout = try ConfigValue.seconds(v, 1...3600, "timeout")
                  }),
        ConfigKey("DATABASE_URL", flag: "--database-url", value: "URL", help: "PostgreSQL (libpq connection string or URI); scripts/run makes a private cluster when unset",
                  get: { $0.databaseURL ?? "" }, set: { c, v throws(ConfigError) in
                      c.databaseURL = try ConfigValue.nonEmpty(v, "database-url")
                  }),
        ConfigKey("CHATROOM_ROOMS", flag: "--rooms", value: "LIST", help: "comma-separated room names, ids 1, 2, ... in this order",
                  get: { $0.rooms.joined(separator: ",") }, set: { c, v throws(ConfigError) in
                      let names = v.split(separator: ",").map { String($0).trimmingSpaces }
                      guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 64 }), Set(names).count == names.count else {
                          throw ConfigError("invalid value for rooms: '\(v)' (expected distinct names of 1 to 64 bytes, comma-separated)")
                      }
                      c.rooms = names
                  }),
        ConfigKey("CHATROOM_STORAGE_DIR", flag: "--storage-dir", value: "DIR", help: "where uploaded images and avatars are stored (served under /storage/)",
                  get: { $0.storageDir }, set: { c, v throws(ConfigError) in
                      c.storageDir = try ConfigValue.nonEmpty(v, "storage-dir")
                  }),
        ConfigKey("CHATROOM_MAX_TEXT_LENGTH", flag: "--max-text-length", value: "N", help: "longest chat message text in characters",
                  get: { String($0.maxTextLength) }, set: { c, v throws(ConfigError) in
                      c.maxTextLength = try ConfigValue.integer(v, 1...1_000_000, "max-text-length")
                  }),
        ConfigKey("CHATROOM_MAX_IMAGE_SIZE", flag: "--max-image-size", value: "BYTES", help: "largest image upload or image message",
                  get: { String($0.maxImageSize) }, set: { c, v throws(ConfigError) in
                      c.maxImageSize = try ConfigValue.size(v, 1024...(1 << 30), "max-image-size")
                  }),
        ConfigKey("CHATROOM_MESSAGE_RATE", flag: "--message-rate", value: "N", help: "chat messages per second one connection may send (bursts of twice that)",
                  get: { String($0.messageRate) }, set: { c, v throws(ConfigError) in
                      c.messageRate = try ConfigValue.integer(v, 1...1_000_000, "message-rate")
                  }),
        ConfigKey("CHATROOM_JOB_QUEUE_LIMIT", flag: "--job-queue-limit", value: "N", help: "jobs a worker holds for the task workers (database down) before refusing messages",
                  get: { String($0.jobQueueLimit) }, set: { c, v throws(ConfigError) in
                      c.jobQueueLimit = try ConfigValue.integer(v, 10...10_000_000, "job-queue-limit")
                  }),
        ConfigKey("CHATROOM_BCRYPT_COST", flag: "--bcrypt-cost", value: "N", help: "bcrypt cost of new password hashes",
                  get: { String($0.bcryptCost) }, set: { c, v throws(ConfigError) in
                      c.bcryptCost = try ConfigValue.integer(v, 4...16, "bcrypt-cost")
                  }),
    ]

    /// One setting as text, in the form its `.env` line would have.
    public struct Setting: Equatable, Sendable {
        public let variable: String
        public let value: String

        public init(variable: String, value: String) {
            self.variable = variable
            self.value = value
        }
    }

    /// Every setting of `configuration` as text; `configuration(from:)` turns it back into the
    /// same configuration (how the master passes its settings to the children it execs).
    /// Unset optional settings (empty text) are left out.
    public static func settings(of configuration: Configuration) -> [Setting] {
        all.compactMap { key in
            let value = key.current(configuration)
            return value.isEmpty ? nil : Setting(variable: key.variable, value: value)
        }
    }

    public static func configuration(from settings: [Setting]) throws(ConfigError) -> Configuration {
        var configuration = Configuration()
        for setting in settings {
            guard let key = byVariable(setting.variable) else { throw ConfigError("unknown setting \(setting.variable)") }
            try key.apply(&configuration, setting.value)
        }
        return configuration
    }

    public static func byVariable(_ name: String) -> ConfigKey? {
        all.first { $0.variable == name }
    }

    public static func byFlag(_ flag: String) -> ConfigKey? {
        all.first { $0.flag == flag }
    }
}
