/// The XOR masking of RFC 6455 section 5.3. Masking and unmasking are the same operation.
///
/// Keys are `WebSocketFrameHeader.maskKey` numbers (first wire byte most significant). The hot loop
/// XORs 32 bytes per iteration as four unaligned UInt64 words; the key is spread over a word in
/// memory byte order, so this is right on either endianness.
public enum WebSocketMasking {
    /// Unmasks `payload` in place. `startOffset` is the position of `payload`'s first byte within
    /// the frame's payload, so a payload can be unmasked piece by piece as it arrives.
    public static func unmask(_ payload: UnsafeMutableRawBufferPointer, key: UInt32, startOffset: Int = 0) {
        guard let base = payload.baseAddress else { return }
        let count = payload.count
        let word = wordPattern(key: key, startOffset: startOffset)
        var i = 0
        while i &+ 32 <= count {
            let p = base + i
            p.storeBytes(of: p.loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            p.storeBytes(of: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self) ^ word, toByteOffset: 8, as: UInt64.self)
            p.storeBytes(of: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self) ^ word, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self) ^ word, toByteOffset: 24, as: UInt64.self)
            i &+= 32
        }
        while i &+ 8 <= count {
            (base + i).storeBytes(of: (base + i).loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            i &+= 8
        }
        // i is a multiple of 8, so the tail starts at key byte 0 of the rotated pattern.
        var keyBytes = word.littleEndian   // lowest byte = first byte in memory
        while i < count {
            let byte = base.load(fromByteOffset: i, as: UInt8.self) ^ UInt8(truncatingIfNeeded: keyBytes)
            base.storeBytes(of: byte, toByteOffset: i, as: UInt8.self)
            keyBytes >>= 8
            i &+= 1
        }
    }

    /// Masking is its own inverse; this name reads better on the sending side.
    public static func mask(_ payload: UnsafeMutableRawBufferPointer, key: UInt32, startOffset: Int = 0) {
        unmask(payload, key: key, startOffset: startOffset)
    }

    /// Eight mask bytes as they lie in memory, starting with key byte `startOffset % 4`.
    private static func wordPattern(key: UInt32, startOffset: Int) -> UInt64 {
        let shift = UInt32(truncatingIfNeeded: startOffset & 3) &* 8
        let rotated = shift == 0 ? key : (key << shift) | (key >> (32 &- shift))
        let inMemoryOrder = UInt64(rotated.bigEndian)
        return inMemoryOrder | inMemoryOrder << 32
    }
}
