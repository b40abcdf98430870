/// A log-linear histogram of non-negative microsecond values (HdrHistogram's layout): exact below
/// 128, then 64 buckets per power of two, so every value is kept within 1/64 (< 1.6 %, typically
/// 0.8 %). Every value is recorded: no sampling, and memory does not grow with the count.
struct Histogram: Sendable {
    static let bucketCount = 128 + 57 * 64
    private(set) var buckets = [UInt64](repeating: 0, count: Histogram.bucketCount)
    private(set) var count: UInt64 = 0
    private(set) var sum: Double = 0
    private(set) var max: Int64 = 0
    private(set) var min: Int64 = .max

    static func index(_ value: Int64) -> Int {
        let v = UInt64(Swift.max(0, value))
        if v < 128 { return Int(v) }
        let exponent = 63 - v.leadingZeroBitCount          // >= 7
        let shift = exponent - 6
        return 128 + (exponent - 7) * 64 + Int(v >> UInt64(shift)) - 64
    }

    /// The lowest value and the width of bucket `index`.
    static func range(_ index: Int) -> (low: Int64, width: Int64) {
        if index < 128 { return (Int64(index), 1) }
        let exponent = (index - 128) / 64 + 7
        let shift = exponent - 6
        let mantissa = Int64((index - 128) % 64 + 64)
        return (mantissa << Int64(shift), Int64(1) << Int64(shift))
    }

    mutating func record(_ value: Int64) {
        let v = Swift.max(0, value)
        buckets[Histogram.index(v)] &+= 1
        count &+= 1
        sum += Double(v)
        if v > max { max = v }
        if v < min { min = v }
    }

    mutating func merge(_ other: Histogram) {
        guard other.count > 0 else { return }
        for i in 0..<buckets.count { buckets[i] &+= other.buckets[i] }
        count &+= other.count
        sum += other.sum
        max = Swift.max(max, other.max)
        min = Swift.min(min, other.min)
    }

    var mean: Double { count == 0 ? 0 : sum / Double(count) }

    /// The value at percentile `p` (0...100): the middle of the bucket that holds the rank,
    /// never above the largest value recorded nor below the smallest.
    func percentile(_ p: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, UInt64((p / 100 * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (i, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= rank {
                let (low, width) = Histogram.range(i)
                return Swift.min(max, Swift.max(min, low + (width - 1) / 2))
            }
        }
        return max
    }
}
