import Shared
import Testing
@testable import TaskWorker

@Suite(.enabled(if: TestDatabase.isConfigured, TestDatabase.skipped))
struct AccountTests {
    @Test func registerAnswersUserAndHashedToken() throws {
        let h = try StorageHarness("register")
        let answer = h.api(["op": "register", "email": "alice@example.com", "password": "secret1", "avatar": "//a/1.jpeg"])
        #expect(answer["ok"] == true)
        let user = try #require(answer["user"]?.objectValue)
        #expect(user.keys == ["id", "name", "email", "avatar", "created_at", "updated_at"])
        #expect(user["name"] == "alice")
        #expect(user["email"] == "alice@example.com")
        #expect(user["avatar"] == "//a/1.jpeg")
        #expect(user["created_at"]?.stringValue?.count == 24)  // 2019-12-11T08:00:00.000Z
        let token = try #require(answer["token"]?.stringValue)
        #expect(token.count == 60)
        // Only the SHA-256 of the token is stored, and a bcrypt hash of the password.
        let hashes = try h.db.execute("SELECT token_hash FROM api_tokens")
        #expect(hashes.rowCount == 1)
        #expect(hashes.string(row: 0, column: 0) == Hex.encode(SHA256.hash(token)))
        let password = try h.db.execute("SELECT password_hash FROM users").string(row: 0, column: 0) ?? ""
        #expect(password.hasPrefix("$2b$04$") && password.count == 60)
    }

    @Test func loginLogoutAndAuth() throws {
        let h = try StorageHarness("login")
        let registered = h.register("bob@example.com")
        let first = h.api(["op": "login", "email": "bob@example.com", "password": "secret1"])
        let second = h.api(["op": "login", "email": "bob@example.com", "password": "secret1"])
        let t1 = try #require(first["token"]?.stringValue)
        let t2 = try #require(second["token"]?.stringValue)
        #expect(t1 != t2 && t1 != registered.token)
        #expect(first["user"]?["id"]?.int64Value == registered.id)
        // Every login's token stays valid, the registration's too.
        for token in [registered.token, t1, t2] {
            let auth = h.api(["op": "auth", "token": .string(token)])
            #expect(auth["ok"] == true)
            #expect(auth["user"]?["email"] == "bob@example.com")
        }
        #expect(h.api(["op": "logout", "token": .string(t1)])["ok"] == true)
        #expect(h.api(["op": "auth", "token": .string(t1)]) == ["ok": false, "error": "not_found"])
        #expect(h.api(["op": "auth", "token": .string(t2)])["ok"] == true)
        #expect(h.api(["op": "logout", "token": .string(t1)]) == ["ok": false, "error": "not_found"])
        #expect(h.api(["op": "auth", "token": "no-such-token"]) == ["ok": false, "error": "not_found"])
        #expect(try h.count("SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL") == 1)
    }

    @Test func wrongPasswordAndUnknownEmailAreTheSameMismatch() throws {
        let h = try StorageHarness("mismatch")
        _ = h.register("carol@example.com")
        #expect(h.api(["op": "login", "email": "carol@example.com", "password": "wrong"]) == ["ok": false, "error": "mismatch"])
        #expect(h.api(["op": "login", "email": "nobody@example.com", "password": "secret1"]) == ["ok": false, "error": "mismatch"])
    }

    @Test func emailIsUniqueWhateverTheCase() throws {
        let h = try StorageHarness("email_case")
        _ = h.register("dave@example.com")
        let again = h.api(["op": "register", "email": "Dave@Example.COM", "password": "other12", "avatar": ""])
        #expect(again == ["ok": false, "error": "email_taken"])
        let login = h.api(["op": "login", "email": "DAVE@example.com", "password": "secret1"])
        #expect(login["ok"] == true)
        #expect(login["user"]?["email"] == "dave@example.com")
        #expect(try h.count("SELECT count(*) FROM users") == 1)
    }

    @Test func avatarChangesTheUser() throws {
        let h = try StorageHarness("avatar")
        let erin = h.register("erin@example.com")
        #expect(h.api(["op": "avatar", "user": .int(erin.id), "url": "/storage/avatars/e.png"])["ok"] == true)
        #expect(h.api(["op": "auth", "token": .string(erin.token)])["user"]?["avatar"] == "/storage/avatars/e.png")
        #expect(h.api(["op": "avatar", "user": 999_999, "url": "x"]) == ["ok": false, "error": "not_found"])
    }

    @Test func badRequestsAreInvalid() throws {
        let h = try StorageHarness("invalid")
        #expect(h.api(["op": "nonsense"]) == ["ok": false, "error": "invalid"])
        #expect(h.api(["op": "register", "email": "x@example.com"]) == ["ok": false, "error": "invalid"])
        #expect(h.api(["op": "register", "email": "x@example.com", "password": "a\u{0}b", "avatar": ""])
                == ["ok": false, "error": "invalid"])
        #expect(h.api(["op": "history", "room": 1, "current": 0]) == ["ok": false, "error": "invalid"])
        #expect(h.api(["op": "unread", "user": "me"]) == ["ok": false, "error": "invalid"])
    }
}
