/// Engine.IO session ids that name the worker owning the session, so that a polling request landing
/// on any worker can be passed to the owner without asking anyone (DESIGN.md: "a polling session
/// belongs to the worker that created it").
///
/// Shape: two characters of the URL-safe alphabet giving the owner's worker slot (0...4095), then
/// the 20 random characters of `RandomToken.sessionId()` (120 bits, what engine.io's ids carry).
public enum EngineIOSessionID {
    public static let ownerLength = 2
    public static let length = ownerLength + RandomToken.sessionIdLength
    public static let maxOwner = 64 * 64 - 1

    private static let alphabet = RandomToken.Alphabet.urlSafe.characters
    /// Byte → its index in the alphabet, 0xFF for bytes outside it.
    private static let index: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (k, c) in alphabet.enumerated() { table[Int(c)] = UInt8(k) }
        return table
    }()

    /// A new id owned by worker `owner`.
    public static func make(owner: Int) -> String {
        precondition(owner >= 0 && owner <= maxOwner, "worker slot \(owner) cannot be encoded in a session id")
        let prefix = String(decoding: [alphabet[owner / 64], alphabet[owner % 64]], as: UTF8.self)
        return prefix + RandomToken.sessionId()
    }

    /// The owner's worker slot, or nil when `sid` does not have the shape of our ids (then no worker
    /// knows it).
    public static func owner(of sid: String) -> Int? {
        let bytes = sid.utf8
        guard bytes.count == length else { return nil }
        var owner = 0
        for (k, byte) in bytes.enumerated() {
            let value = index[Int(byte)]
            guard value != 0xFF else { return nil }
            if k < ownerLength { owner = owner * 64 + Int(value) }
        }
        return owner
    }
}
