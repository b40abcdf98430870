import Shared

/// Finds what the benchmark measures in a received payload, without parsing JSON.
enum TimestampScanner {
    /// The number after the first `ts=` in the payload: the sender's CLOCK_MONOTONIC microseconds.
    static func timestamp(in bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        var i = 0
        while i + 3 < count {
            if bytes[i] == UInt8(ascii: "t") && bytes[i + 1] == UInt8(ascii: "s") && bytes[i + 2] == UInt8(ascii: "=") {
                var j = i + 3
                var value: Int64 = 0
                var digits = 0
                while j < count, bytes[j] >= 48, bytes[j] <= 57, digits < 18 {
                    value = value * 10 + Int64(bytes[j] - 48)
                    j += 1
                    digits += 1
                }
                if digits > 0 { return value }
            }
            i += 1
        }
        return nil
    }

    /// The ack id of a Socket.IO ack packet `43<id>[...]`, or nil for anything else.
    static func ackID(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count > 2, bytes[0] == UInt8(ascii: "4"), bytes[1] == UInt8(ascii: "3") else { return nil }
        var i = 2
        var id = 0
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57, i < 20 {
            id = id * 10 + Int(bytes[i] - 48)
            i += 1
        }
        return i > 2 ? id : nil
    }

    static func timestamp(in text: String) -> Int64? {
        var text = text
        return text.withUTF8 { timestamp(in: UnsafeRawBufferPointer($0)) }
    }

    static func ackID(in text: String) -> Int? {
        var text = text
        return text.withUTF8 { ackID(in: UnsafeRawBufferPointer($0)) }
    }
}

/// Microseconds on CLOCK_MONOTONIC, the clock every process on the machine shares.
@inline(__always)
func nowMicros() -> Int64 { Clock.monotonicNanoseconds() / 1000 }
