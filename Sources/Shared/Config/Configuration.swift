import Glibc

/// Everything the server can be told. Defaults here; `ConfigKeys` maps each field to its `.env` /
/// `CHATROOM_*` variable and its flag, and `ConfigLoader` merges the sources.
public struct Configuration: Sendable {
    // Listening and processes
    public var host = "127.0.0.1"
    public var port: UInt16 = 5200
    public var workers = Configuration.cpuCount
    public var taskWorkers = Configuration.cpuCount
    public var pidFile = "var/chatroom.pid"
    /// Nil: log to standard error (foreground). `start -d` defaults it to var/chatroom.log.
    public var logFile: String?
    public var logLevel = LogLevel.info
    public var daemonize = false

    // HTTP
    public var staticDir = "public"
    public var maxRequestLine = 8 * 1024
    public var maxRequestHead = 16 * 1024
    public var maxBodySize = 10 * 1024 * 1024
    /// Seconds a client may take to send a whole request (slowloris guard).
    public var requestTimeout: Int64 = 30
    /// Seconds an idle keep-alive connection is kept open.
    public var keepAliveTimeout: Int64 = 75
    /// Seconds from accept to the first request head and, for Socket.IO (EIO4), from the Engine.IO
    /// open to the client's CONNECT packet (socket.io's `connectTimeout`).
    public var handshakeTimeout: Int64 = 30
    /// Seconds a Socket.IO connection may stay anonymous (no valid token) before it is closed; 0 = never.
    public var idleTimeout: Int64 = 600

    // WebSocket
    /// Largest message accepted, after reassembly of fragments (1009 above it).
    public var maxMessageSize = 8 * 1024 * 1024
    /// Server ping after this many idle seconds; close if nothing arrives within the timeout after.
    public var pingInterval: Int64 = 25
    public var pingTimeout: Int64 = 20
    /// `/echo` endpoint for conformance tests.
    public var echo = false
    /// `GET /metrics` (Prometheus); restrict it to the monitoring host in the reverse proxy.
    public var metrics = true

    // Limits
    public var maxConnections = 65_536
    /// Open connections from one client address (across all workers); 0 = no limit. 127.0.0.1 and
    /// ::1 are never limited: behind a reverse proxy on this machine every client comes from there.
    public var maxConnectionsPerIP = 256
    /// Bytes queued for one client before it is disconnected as too slow.
    public var maxOutputBuffer = 16 * 1024 * 1024
    public var maxRooms = 1024

    // Chat room
    /// libpq connection string or URI; nil means the private cluster that `scripts/run` creates.
    public var databaseURL: String?
    /// Room names, seeded in this order as ids 1, 2, ... (the tutorial's client knows room1, room2).
    public var rooms = ["room1", "room2"]
    /// Uploaded images and avatars, served under `/storage/`.
    public var storageDir = "var/storage"
    /// Longest chat text in characters (the tutorial's client sends up to ~800 after escaping).
    public var maxTextLength = 1000
    /// Largest image (uploads and data URLs), decoded bytes.
    public var maxImageSize = 5 * 1024 * 1024
    /// Chat messages one connection may send per second (a burst of twice this is allowed).
    public var messageRate = 20
    /// Jobs a worker keeps waiting for task workers (PostgreSQL down) before senders get errors.
    public var jobQueueLimit = 100_000
    /// bcrypt cost for new password hashes.
    public var bcryptCost = 10

    // Lifecycle
    /// Seconds `stop` waits, and the master waits for children to finish, before giving up.
    public var shutdownTimeout: Int64 = 10

    public init() {}

    public static var cpuCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Turns relative paths into absolute ones against `directory` (the daemon changes directory
    /// to /, and `stop` may run from elsewhere).
    public mutating func resolvePaths(against directory: String) {
        pidFile = Configuration.absolute(pidFile, directory)
        if let logFile { self.logFile = Configuration.absolute(logFile, directory) }
        staticDir = Configuration.absolute(staticDir, directory)
        storageDir = Configuration.absolute(storageDir, directory)
    }

    public static func absolute(_ path: String, _ directory: String) -> String {
        if path.hasPrefix("/") { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
