import CCrypt
import Glibc
import Shared

/// bcrypt (`$2b$`) through libxcrypt's reentrant calls. A hash costs ~50 ms at cost 10, which is
/// why this runs in task workers and never in a reactor.
public final class PasswordHasher {
    public let cost: Int
    /// `struct crypt_data` is 32 KiB: allocated once per hasher, not per call.
    private let scratch: UnsafeMutablePointer<crypt_data>
    /// A real hash of a random password, verified against when an email is unknown so that a
    /// login takes as long whether or not the account exists.
    private lazy var decoyHash: String? = hash(RandomToken.apiToken())

    public init(cost: Int) {
        self.cost = cost
        scratch = .allocate(capacity: 1)
        UnsafeMutableRawPointer(scratch).initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
    }

    deinit { scratch.deallocate() }

    /// The modular crypt string (`$2b$10$…`, 60 characters); nil if the password cannot be hashed
    /// (it holds a NUL byte, or libxcrypt failed).
    public func hash(_ password: String) -> String? {
        guard !password.utf8.contains(0) else { return nil }
        var salt = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        // rbytes nil: libxcrypt draws the salt from the OS random generator itself.
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &salt, Int32(salt.count)) != nil else { return nil }
        return salt.withUnsafeBufferPointer { crypt(password, setting: $0.baseAddress!) }
    }

    /// Whether `password` hashes to `stored`; the comparison takes the same time wherever the first
    /// difference is.
    public func verify(_ password: String, against stored: String) -> Bool {
        guard !password.utf8.contains(0), let computed = crypt(password, setting: stored) else { return false }
        return PasswordHasher.constantTimeEqual(Array(computed.utf8), Array(stored.utf8))
    }

    /// Spends the time of one `verify` and fails: for logins with an unknown email.
    public func verifyDecoy(_ password: String) -> Bool {
        if let decoyHash { _ = verify(password, against: decoyHash) }
        return false
    }

    private func crypt(_ password: String, setting: UnsafePointer<CChar>) -> String? {
        // crypt_rn returns NULL on failure (crypt_r would return a "*0" string that never matches).
        guard let out = crypt_rn(password, setting, scratch, Int32(MemoryLayout<crypt_data>.size)) else { return nil }
        return String(cString: out)
    }

    private func crypt(_ password: String, setting: String) -> String? {
        guard !setting.utf8.contains(0) else { return nil }
        return setting.withCString { crypt(password, setting: $0) }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        if a.count != b.count { difference |= 1 }
        for i in 0..<max(a.count, b.count) {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
