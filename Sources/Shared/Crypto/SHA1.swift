/// SHA-1 (FIPS 180-4), only for the WebSocket accept key: the standard library has none and the
/// handshake is not worth a libcrypto dependency. Not for anything that needs collision resistance.
public enum SHA1 {
    public static let digestLength = 20

    public static func hash(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
        return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
            let fullBlocks = bytes.count / 64
            for block in 0..<fullBlocks {
                compress(UnsafeRawBufferPointer(rebasing: bytes[block * 64..<block * 64 + 64]), &state, w)
            }
            // The tail, the 0x80 marker and the 64-bit bit length fill one or two final blocks.
            let tailCount = bytes.count - fullBlocks * 64
            withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { last in
                last.initializeMemory(as: UInt8.self, repeating: 0)
                last.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(fullBlocks * 64)...]))
                last[tailCount] = 0x80
                let total = tailCount < 56 ? 64 : 128
                last.storeBytes(of: (UInt64(bytes.count) &* 8).bigEndian, toByteOffset: total - 8, as: UInt64.self)
                for offset in stride(from: 0, to: total, by: 64) {
                    compress(UnsafeRawBufferPointer(rebasing: last[offset..<offset + 64]), &state, w)
                }
            }
            var digest = [UInt8]()
            digest.reserveCapacity(digestLength)
            for word in [state.0, state.1, state.2, state.3, state.4] {
                for shift in stride(from: 24, through: 0, by: -8) { digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
            }
            return digest
        }
    }

    public static func hash(_ bytes: [UInt8]) -> [UInt8] { bytes.withUnsafeBytes { hash($0) } }

    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }

    private static func compress(_ block: UnsafeRawBufferPointer,
                                 _ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32),
                                 _ w: UnsafeMutableBufferPointer<UInt32>) {
        for t in 0..<16 { w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self)) }
        for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
        var (a, b, c, d, e) = h
        for t in 0..<80 {
            let f: UInt32, k: UInt32
            switch t {
            case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
            case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
            case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
            default: f = b ^ c ^ d; k = 0xCA62_C1D6
            }
            let temp = rotl(a, 5) &+ f &+ e &+ k &+ w[t]
            (e, d, c, b, a) = (d, c, rotl(b, 30), a, temp)
        }
        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }

    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}
