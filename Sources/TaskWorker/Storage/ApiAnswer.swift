import Shared

/// The JSON objects `api` jobs answer with (JOBS.md): `{"ok": true, ...}` or
/// `{"ok": false, "error": code}`. Error codes are fixed words; database error texts never get
/// here, they go to the log.
enum ApiAnswer {
    static func ok(_ fields: [(key: String, value: JSONValue)] = []) -> JSONObject {
        JSONObject([(key: "ok", value: .bool(true))] + fields)
    }

    static func error(_ code: String) -> JSONObject {
        ["ok": false, "error": .string(code)]
    }

    static let invalid = error("invalid")
    static let notFound = error("not_found")
    static let mismatch = error("mismatch")
    static let emailTaken = error("email_taken")
    static let unavailable = error("unavailable")
    /// A statement failed for another reason (a bug, a constraint): logged, the client gets this.
    static let internalError = error("internal")

    static func user(_ user: StoredUser) -> JSONValue {
        [
            "id": .int(user.id),
            "name": .string(user.name),
            "email": .string(user.email),
            "avatar": .string(user.avatar),
            "created_at": .string(TimeFormat.iso8601UTC(epochMilliseconds: user.createdAt)),
            "updated_at": .string(TimeFormat.iso8601UTC(epochMilliseconds: user.updatedAt)),
        ]
    }

    static func historyItem(_ item: HistoryItem) -> JSONValue {
        [
            "id": .int(item.id),
            "seq": .int(item.seq),
            "userid": .string(item.email),
            "username": .string(item.name),
            "src": .string(item.avatar),
            "msg": .string(item.msg),
            "img": .string(item.img),
            "roomid": .int(Int64(item.room)),
            "time": .string(TimeFormat.iso8601UTC(epochMilliseconds: item.at)),
        ]
    }
}
