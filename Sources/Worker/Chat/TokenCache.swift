import Shared

/// API token → user, so that the events of a logged-in connection do not each cost a job. Entries
/// live a minute; a logout anywhere evicts the token on every worker (a peer message), so a revoked
/// token stops working at once, and the minute only bounds how stale a changed avatar can be.
final class TokenCache {
    private struct Entry {
        var profile: UserProfile
        var expiresAt: Int64
    }

    static let lifetime: Int64 = 60_000
    static let capacity = 100_000

    private var entries: [String: Entry] = [:]

    /// Whether `token` can be a token at all: `false`, `null`, "" and other junk never authenticate
    /// (PROTOCOL.md F25), and are not worth a job.
    static func isPlausible(_ token: String) -> Bool {
        token.utf8.count >= 20 && token.utf8.count <= 128 && token.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    func lookup(_ token: String, now: Int64) -> UserProfile? {
        guard let entry = entries[token] else { return nil }
        if entry.expiresAt <= now {
            entries[token] = nil
            return nil
        }
        return entry.profile
    }

    func store(_ token: String, _ profile: UserProfile, now: Int64) {
        if entries.count >= TokenCache.capacity { entries.removeAll(keepingCapacity: true) }
        entries[token] = Entry(profile: profile, expiresAt: now + TokenCache.lifetime)
    }

    func evict(_ token: String) { entries[token] = nil }

    /// A user's avatar changed: cached copies follow.
    func update(_ profile: UserProfile) {
        for (token, entry) in entries where entry.profile.id == profile.id {
            entries[token]?.profile = profile
        }
    }
}
