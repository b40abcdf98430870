import Shared

/// What the chat shows of a user. The e-mail is the account (`userid` in messages, which the
/// tutorial's client compares with its own to align messages); it never goes into online lists.
struct UserProfile: Equatable {
    let id: Int64
    var name: String
    var email: String
    var avatar: String

    init(id: Int64, name: String, email: String, avatar: String) {
        self.id = id
        self.name = name
        self.email = email
        self.avatar = avatar
    }

    /// From a `user` object of a task worker's answer.
    init?(_ object: JSONObject?) {
        guard let object, let id = object["id"]?.int64Value, let email = object["email"]?.stringValue else { return nil }
        self.init(id: id, name: object["name"]?.stringValue ?? AccountRules.displayName(forEmail: email), email: email,
                  avatar: object["avatar"]?.stringValue ?? AccountRules.defaultAvatar)
    }

    /// The entry of an online map (PROTOCOL.md §5.3, F1): no token, no e-mail.
    var onlineEntry: JSONValue {
        .object(["id": .int(id), "name": .string(name), "avatar": .string(avatar), "src": .string(avatar)])
    }
}
