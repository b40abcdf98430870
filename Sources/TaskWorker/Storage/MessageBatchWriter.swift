import Shared

/// Writes the `messageReceived` jobs of a batch (JOBS.md): one INSERT for all of them, acks with the
/// stored id. Every job that could be written is `unavailable` when the database is, so the task
/// worker retries it; malformed jobs are `rejected` at once.
final class MessageBatchWriter {
    private let store: ChatStore

    init(store: ChatStore) {
        self.store = store
    }

    func write(_ payloads: [[UInt8]]) -> [JobOutcome] {
        var outcomes = [JobOutcome?](repeating: nil, count: payloads.count)
        var messages: [NewMessage] = []
        var seen: Set<MessageKey> = []
        var keys: [MessageKey?] = []
        for (index, payload) in payloads.enumerated() {
            switch parse(payload) {
            case .failure(let failure):
                outcomes[index] = MessageBatchWriter.rejected(failure.reason)
                keys.append(nil)
            case .success(let message):
                keys.append(message.key)
                // A (room, seq) twice in one batch is one message sent twice: written once.
                if seen.insert(message.key).inserted { messages.append(message) }
            }
        }
        let ids: [MessageKey: Int64]
        do {
            ids = try store.insert(messages)
        } catch {
            if error.isUnavailable {
                // Jobs already refused stay refused; the rest wait for the database.
                return outcomes.map { $0 ?? JobOutcome(status: .unavailable, payload: []) }
            }
            // One bad row must not keep the others out: write them one by one to find it.
            Log.warn("message batch failed; writing its messages one by one", ["messages": messages.count, "error": error])
            return writeOneByOne(messages, keys: keys, outcomes: outcomes)
        }
        for (index, key) in keys.enumerated() where outcomes[index] == nil {
            outcomes[index] = MessageBatchWriter.outcome(key!, ids)
        }
        return outcomes.map { $0! }
    }

    private func writeOneByOne(_ messages: [NewMessage], keys: [MessageKey?], outcomes: [JobOutcome?]) -> [JobOutcome] {
        var ids: [MessageKey: Int64] = [:]
        var failed: Set<MessageKey> = []
        var unavailable = false
        for message in messages {
            do {
                ids.merge(try store.insert([message])) { _, new in new }
            } catch {
                if error.isUnavailable { unavailable = true; break }
                Log.warn("message not stored", ["room": message.room, "seq": message.seq, "error": error])
                failed.insert(message.key)
            }
        }
        var result: [JobOutcome] = []
        for (index, key) in keys.enumerated() {
            if let outcome = outcomes[index] {
                result.append(outcome)
            } else if let id = ids[key!] {
                result.append(MessageBatchWriter.stored(id: id, seq: key!.seq))
            } else if unavailable {
                result.append(JobOutcome(status: .unavailable, payload: []))
            } else if failed.contains(key!) {
                result.append(MessageBatchWriter.rejected("not stored"))
            } else {
                result.append(MessageBatchWriter.outcome(key!, ids))
            }
        }
        return result
    }

    private static func outcome(_ key: MessageKey, _ ids: [MessageKey: Int64]) -> JobOutcome {
        guard let id = ids[key] else { return rejected("unknown user or room") }
        return stored(id: id, seq: key.seq)
    }

    private static func stored(id: Int64, seq: Int64) -> JobOutcome {
        JobOutcome(status: .done, payload: JSONWriter.encode(["id": .int(id), "seq": .int(seq)]))
    }

    static func rejected(_ reason: String) -> JobOutcome {
        JobOutcome(status: .rejected, payload: JSONWriter.encode(["error": .string(reason)]))
    }

    // MARK: parsing

    private func parse(_ payload: [UInt8]) -> Result<NewMessage, ParseFailure> {
        guard let object = (try? JSONParser.parse(payload))?.objectValue else { return .failure("bad JSON") }
        guard let room = object["room"]?.intValue, store.isRoom(room) else { return .failure("unknown room") }
        guard let seq = object["seq"]?.int64Value, seq >= 1 else { return .failure("bad seq") }
        guard let user = object["user"]?.int64Value, user >= 1 else { return .failure("bad user") }
        guard let msg = MessageBatchWriter.text(object["msg"]), let img = MessageBatchWriter.text(object["img"]) else {
            return .failure("bad msg or img")
        }
        // PostgreSQL text cannot hold NUL; refuse rather than store a cut message.
        guard !msg.utf8.contains(0), !img.utf8.contains(0) else { return .failure("NUL in message") }
        let at = object["at"]?.int64Value ?? Clock.wallMilliseconds()
        // timestamptz holds years 4713 BC to 294276 AD; keep to sane instants (year 0 to 9999).
        guard at >= -62_167_219_200_000, at <= 253_402_300_799_999 else { return .failure("bad time") }
        return .success(NewMessage(room: room, seq: seq, user: user, msg: msg, img: img, at: at))
    }

    /// A string field, "" when absent; nil when it holds something else.
    private static func text(_ value: JSONValue?) -> String? {
        guard let value else { return "" }
        return value.stringValue
    }

    private struct ParseFailure: Error, ExpressibleByStringLiteral {
        let reason: String
        init(stringLiteral value: String) { reason = value }
    }
}
