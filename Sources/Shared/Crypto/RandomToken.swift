/// Random ASCII strings from the system's cryptographic generator (getrandom on Linux), for API
/// tokens and Engine.IO session ids.
public enum RandomToken {
    /// A set of distinct ASCII characters to draw from.
    public struct Alphabet: Sendable {
        public let characters: [UInt8]

        /// `characters` must be non-empty, ASCII only, and contain no duplicates (a duplicate would
        /// make its character twice as likely).
        public init(_ characters: String) {
            let bytes = Array(characters.utf8)
            precondition(!bytes.isEmpty && bytes.allSatisfy { $0 < 0x80 }, "alphabet must be non-empty ASCII")
            precondition(Set(bytes).count == bytes.count, "alphabet has duplicate characters")
            self.characters = bytes
        }

        /// `[A-Za-z0-9]`, for API tokens.
        public static let alphanumeric = Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        /// `[A-Za-z0-9_-]` (base64url), safe unescaped in a URL query, for session ids.
        public static let urlSafe = Alphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    }

    public static let apiTokenLength = 60
    public static let sessionIdLength = 20

    /// Each character is uniform over the alphabet: random bytes at or above the largest multiple of
    /// the alphabet size are discarded, so `byte % size` has no bias. One generator call yields 8
    /// bytes, so a session id costs about 3 getrandom calls instead of 20.
    public static func generate(length: Int, alphabet: Alphabet) -> String {
        precondition(length >= 0)
        var rng = SystemRandomNumberGenerator()
        let chars = alphabet.characters
        let size = chars.count
        let limit = 256 - 256 % size  // 256 when size divides 256
        return String(unsafeUninitializedCapacity: length) { out in
            var k = 0
            while k < length {
                var word = rng.next()
                for _ in 0..<8 where k < length {
                    let b = Int(word & 0xFF)
                    word >>= 8
                    if b < limit {
                        out[k] = chars[b % size]
                        k += 1
                    }
                }
            }
            return length
        }
    }

    /// 60 characters of `[A-Za-z0-9]` (~357 bits).
    public static func apiToken() -> String {
        generate(length: apiTokenLength, alphabet: .alphanumeric)
    }

    /// 20 URL-safe characters (120 bits), the length engine.io's own ids have.
    public static func sessionId() -> String {
        generate(length: sessionIdLength, alphabet: .urlSafe)
    }
}
