import Shared

/// The task worker's executor with PostgreSQL behind it: a batch's `messageReceived` jobs are
/// written together first (so an `api` history in the same batch sees them), then each `api` job
/// runs on its own. One connection per task worker, opened on first use after fork.
public final class StorageExecutor: JobExecutor {
    private let db: PostgresConnection
    private let messages: MessageBatchWriter
    private let api: ApiHandler

    public init(configuration: Configuration) {
        // No URL configured: a connection that can never open, so every job reports "unavailable"
        // (and the log says why) instead of the process failing.
        db = PostgresConnection(conninfo: configuration.databaseURL ?? "host=/nonexistent/chatroom-no-database-url")
        let store = ChatStore(db: db, roomCount: configuration.rooms.count)
        messages = MessageBatchWriter(store: store)
        api = ApiHandler(store: store, hasher: PasswordHasher(cost: configuration.bcryptCost))
        if configuration.databaseURL == nil { Log.warn("no DATABASE_URL configured: storage is unavailable") }
    }

    public func execute(_ jobs: [ReceivedJob]) -> [JobOutcome] {
        var outcomes = [JobOutcome](repeating: .done, count: jobs.count)
        let messageJobs = jobs.indices.filter { jobs[$0].kind == .messageReceived }
        if !messageJobs.isEmpty {
            let written = messages.write(messageJobs.map { jobs[$0].payload })
            for (index, outcome) in zip(messageJobs, written) { outcomes[index] = outcome }
        }
        for index in jobs.indices where jobs[index].kind == .api {
            outcomes[index] = JobOutcome(status: .done, payload: JSONWriter.encode(.object(api.handle(jobs[index].payload))))
        }
        return outcomes
    }

    /// Closes the connection (SIGTERM, tests).
    public func close() {
        db.close()
    }
}
