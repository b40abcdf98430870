import Shared

/// Request/answer jobs for the task workers (Sources/TaskWorker/Storage/JOBS.md): the reactor
/// never touches PostgreSQL or bcrypt itself; it sends a job and goes on, and the answer comes back
/// as a callback on its loop.
final class StorageClient {
    /// The answer of an `api` job: its JSON object, or why there is none.
    enum Answer {
        case ok(JSONObject)
        case failed(String)

        var object: JSONObject? {
            if case .ok(let object) = self { return object }
            return nil
        }
    }

    private unowned let worker: ReactorWorker
    private var spread: UInt64 = 0

    init(worker: ReactorWorker) {
        self.worker = worker
    }

    /// Sends `{"op": op, ...fields}`; `completion` gets the answer when `ok` is true, else the
    /// answer's `error` code ("unavailable" when the job could not run at all). Not retried on
    /// another task worker: a register or login must not run twice.
    func call(_ op: String, _ fields: JSONObject = JSONObject(), completion: @escaping (Answer) -> Void) {
        var request = JSONObject()
        request["op"] = .string(op)
        for (key, value) in fields.members { request[key] = value }
        spread &+= 1
        let accepted = worker.tasks.submit(.api, payload: JSONWriter.encode(.object(request)), route: spread,
                                           retryable: op != "register" && op != "login") { status, payload in
            guard status == .done, let value = try? JSONParser.parse(payload), let object = value.objectValue else {
                return completion(.failed("unavailable"))
            }
            if object["ok"]?.boolValue == true { return completion(.ok(object)) }
            completion(.failed(object["error"]?.stringValue ?? "unavailable"))
        }
        if !accepted { completion(.failed("busy")) }
    }
}
