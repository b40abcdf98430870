/// Input rules for accounts, checked in the worker before any job is sent.
public enum AccountRules {
    /// A syntactic e-mail check (no DNS): one `@`, a non-empty local part, a dotted domain, no
    /// spaces or control characters, at most 100 characters (the tutorial's `email|max:100`).
    public static func isValidEmail(_ text: String) -> Bool {
        guard text.count <= 100, !text.isEmpty else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 3 else { return false }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" && $0 != "\"" }
    }

    /// The display name: the part of the e-mail before `@`.
    public static func displayName(forEmail email: String) -> String {
        String(email.split(separator: "@", maxSplits: 1).first ?? Substring(email))
    }

    public static let minimumPasswordLength = 6
    public static let maximumPasswordLength = 72  // bcrypt ignores what follows

    /// Avatar URLs accepted at registration (PROTOCOL.md F13): `http(s)://…`, `//…` or `/…`, at
    /// most 255 characters, no spaces, quotes or angle brackets. Anything else gets the default.
    public static func isAcceptableAvatarURL(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 255 else { return false }
        guard text.hasPrefix("http://") || text.hasPrefix("https://") || text.hasPrefix("/") else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "<" && $0 != ">" && $0 != "'" }
    }

    public static let defaultAvatar = "/images/avatar-default.png"
}
