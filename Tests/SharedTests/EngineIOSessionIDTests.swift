import Testing
@testable import Shared

@Suite struct EngineIOSessionIDTests {
    @Test func ownerRoundTrips() {
        for owner in [0, 1, 2, 63, 64, 65, 255, 4095] {
            let sid = EngineIOSessionID.make(owner: owner)
            #expect(sid.utf8.count == 22)
            #expect(sid.utf8.allSatisfy { RandomToken.Alphabet.urlSafe.characters.contains($0) })
            #expect(EngineIOSessionID.owner(of: sid) == owner)
        }
    }

    @Test func idsDiffer() {
        let ids = Set((0..<1000).map { _ in EngineIOSessionID.make(owner: 3) })
        #expect(ids.count == 1000)
    }

    @Test func malformedIdsHaveNoOwner() {
        #expect(EngineIOSessionID.owner(of: "") == nil)
        #expect(EngineIOSessionID.owner(of: "AA") == nil)
        // engine.io's own 20-character ids, and one character too many.
        #expect(EngineIOSessionID.owner(of: "Q7kx3M2cZy9Lq0Vb1Hn4") == nil)
        #expect(EngineIOSessionID.owner(of: EngineIOSessionID.make(owner: 1) + "x") == nil)
        // Characters outside the URL-safe alphabet.
        #expect(EngineIOSessionID.owner(of: "AA+x3M2cZy9Lq0Vb1Hn4ab") == nil)
        #expect(EngineIOSessionID.owner(of: "AA%x3M2cZy9Lq0Vb1Hn4ab") == nil)
        #expect(EngineIOSessionID.owner(of: "AAéx3M2cZy9Lq0Vb1Hn4a") == nil)
    }

    @Test func ownerPrefixIsTheFirstTwoCharacters() {
        #expect(EngineIOSessionID.owner(of: "AB" + String(repeating: "z", count: 20)) == 1)
        #expect(EngineIOSessionID.owner(of: "BA" + String(repeating: "z", count: 20)) == 64)
        #expect(EngineIOSessionID.owner(of: "__" + String(repeating: "z", count: 20)) == 4095)
    }
}
