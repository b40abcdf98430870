/// Streaming UTF-8 validator (RFC 3629): feed it a text message chunk by chunk, in any split, and it
/// says "invalid" at the very byte where the input stops being a prefix of valid UTF-8. WebSocket
/// needs exactly that: a text message arrives in fragments and must fail fast (Autobahn 6.4.*).
///
/// The state between chunks is what the next continuation byte may be: how many are still owed and
/// the range the next one must fall in. The narrowed first ranges (E0 A0.., ED ..9F, F0 90.., F4 ..8F)
/// are what reject overlong forms, UTF-16 surrogates and code points above U+10FFFF.
public struct UTF8Validator: Sendable {
    private var pending: UInt8 = 0      // continuation bytes still owed by the open sequence
    private var lower: UInt8 = 0x80     // range of the next continuation byte
    private var upper: UInt8 = 0xBF
    public private(set) var hasFailed = false

    public init() {}

    /// True when everything fed so far is valid UTF-8 and no multi-byte sequence is left open.
    public var isComplete: Bool { pending == 0 && !hasFailed }

    public mutating func reset() { self = UTF8Validator() }

    /// Feeds the next chunk. Returns false as soon as the bytes so far cannot begin valid UTF-8;
    /// after that the validator stays failed until `reset()`.
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !hasFailed else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0

        // Finish a sequence left open by the previous chunk.
        while pending > 0 {
            guard i < count else { return true }
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            guard byte >= lower && byte <= upper else { return fail() }
            lower = 0x80
            upper = 0xBF
            pending &-= 1
            i &+= 1
        }

        while i < count {
            // ASCII runs, 16 then 8 bytes per step; a word with a high bit set skips straight
            // to its first non-ASCII byte.
            while i &+ 16 <= count {
                let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let b = base.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
                if (a | b) & 0x8080_8080_8080_8080 != 0 { break }
                i &+= 16
            }
            if i &+ 8 <= count {
                let high = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    & 0x8080_8080_8080_8080
                if high == 0 { i &+= 8; continue }
                i &+= high.trailingZeroBitCount &>> 3
            }
            guard i < count else { break }

            let lead = base.load(fromByteOffset: i, as: UInt8.self)
            i &+= 1
            if lead < 0x80 { continue }

            var need: Int
            var lo: UInt8 = 0x80
            var hi: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: need = 1
            case 0xE0: need = 2; lo = 0xA0                 // below A0 would be overlong
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: need = 2; hi = 0x9F                 // A0..BF would encode a surrogate
            case 0xF0: need = 3; lo = 0x90                 // below 90 would be overlong
            case 0xF1...0xF3: need = 3
            case 0xF4: need = 3; hi = 0x8F                 // above 8F exceeds U+10FFFF
            default: return fail()                         // continuation byte, C0, C1, F5..FF
            }

            while need > 0 {
                guard i < count else {
                    pending = UInt8(truncatingIfNeeded: need)
                    lower = lo
                    upper = hi
                    return true
                }
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                guard byte >= lo && byte <= hi else { return fail() }
                lo = 0x80
                hi = 0xBF
                need &-= 1
                i &+= 1
            }
        }
        return true
    }

    /// One-shot check of a complete text.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) && validator.isComplete
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValid($0) }
    }

    private mutating func fail() -> Bool {
        hasFailed = true
        return false
    }
}
