import Glibc
import Shared
import TaskWorker

/// Before any worker starts: pending migrations run, the configured rooms exist, and each room's
/// message counter in shared memory starts after the highest seq already stored. This runs in a
/// short-lived child process so that the master itself never opens libpq (a master that forks
/// must not carry a database connection or its library state into its children).
enum DatabaseBootstrap {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ configuration: Configuration, region: SharedRegion) throws {
        guard let url = configuration.databaseURL else {
            Log.warn("DATABASE_URL is not set: the chat API and message storage are unavailable")
            return
        }
        let status = forkAndWait {
            Log.configure(role: "bootstrap")
            do {
                let rooms = try StorageBootstrap.prepare(databaseURL: url, rooms: configuration.rooms)
                for room in rooms where region.rooms.isValid(room: room.id) {
                    region.rooms.seed(room: room.id, seq: UInt64(max(0, room.seq)))
                }
                Log.info("database ready", ["rooms": rooms.map { "\($0.name)=\($0.seq)" }.joined(separator: ",")])
                return 0
            } catch {
                Log.error("database bootstrap failed", ["error": error])
                return 1
            }
        }
        guard status == 0 else {
            throw Failure(description: "cannot prepare the database (\(redacted(url))); see the log for the reason")
        }
    }

    /// `chatroom migrate`: applies pending migrations and says which.
    static func migrate(_ configuration: Configuration) -> Int32 {
        guard let url = configuration.databaseURL else {
            Commands.complain("DATABASE_URL is not set (flag --database-url)")
            return 2
        }
        do {
            let applied = try StorageBootstrap.migrate(databaseURL: url)
            Commands.say(applied.isEmpty ? "database is up to date" : "applied: " + applied.joined(separator: ", "))
            return 0
        } catch {
            Commands.complain("migration failed: \(error)")
            return 1
        }
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.firstRange(of: "://"), scheme.upperBound < at else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private static func forkAndWait(_ body: () -> Int32) -> Int32 {
        fflush(nil)
        let pid = fork()
        if pid == 0 { _exit(body()) }
        guard pid > 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ProcessStatus(waitStatus: status) == .exited(0) ? 0 : 1
    }
}
