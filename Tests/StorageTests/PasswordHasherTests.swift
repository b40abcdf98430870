import Testing
@testable import TaskWorker

@Suite struct PasswordHasherTests {
    @Test func hashesWithBcryptAndVerifies() throws {
        let hasher = PasswordHasher(cost: 4)
        let hash = try #require(hasher.hash("correct horse"))
        #expect(hash.hasPrefix("$2b$04$") && hash.count == 60)
        #expect(hasher.hash("correct horse") != hash)  // a new salt every time
        #expect(hasher.verify("correct horse", against: hash))
        #expect(!hasher.verify("correct horse!", against: hash))
        #expect(!hasher.verify("", against: hash))
        #expect(!hasher.verify("correct horse", against: "not a hash"))
        #expect(!hasher.verifyDecoy("correct horse"))
    }

    @Test func refusesNul() {
        let hasher = PasswordHasher(cost: 4)
        #expect(hasher.hash("a\u{0}b") == nil)
    }

    @Test func constantTimeEqual() {
        #expect(PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!PasswordHasher.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(!PasswordHasher.constantTimeEqual([], [0]))
        #expect(PasswordHasher.constantTimeEqual([], []))
    }
}
