/// A histogram kept as per-process counters: one counter per bucket (the observations at most its
/// bound and above the previous one, so a process adds 1 to exactly one) and one for the sum.
/// Exposition makes the buckets cumulative, as Prometheus wants them.
public struct MetricHistogram: Sendable {
    /// Upper bounds of the buckets, rising; a last bucket takes everything above.
    public let bounds: [Double]
    /// One counter per bound, then the one above the last bound.
    public let buckets: [Counter]
    public let sum: Counter
    /// The sum counter holds the sum times this (integers in shared memory).
    public let sumScale: Double

    /// Jobs per batch in a task worker.
    public static let batchSize = MetricHistogram(
        bounds: [1, 10, 100, 1000],
        buckets: [.batchSizeUpTo1, .batchSizeUpTo10, .batchSizeUpTo100, .batchSizeUpTo1000, .batchSizeMore],
        sum: .batchJobsSum, sumScale: 1)

    /// Seconds a task worker took to run a batch (its writes and their commit).
    public static let batchSeconds = MetricHistogram(
        bounds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        buckets: [.batchTimeUpTo1ms, .batchTimeUpTo5ms, .batchTimeUpTo10ms, .batchTimeUpTo25ms, .batchTimeUpTo50ms,
                  .batchTimeUpTo100ms, .batchTimeUpTo250ms, .batchTimeUpTo1s, .batchTimeMore],
        sum: .batchTimeMicrosSum, sumScale: 1_000_000)

    /// The counter of the bucket `value` falls in.
    public func bucket(for value: Double) -> Counter {
        for (index, bound) in bounds.enumerated() where value <= bound { return buckets[index] }
        return buckets[bounds.count]
    }

    /// Adds one observation to `counters`.
    public func observe(_ value: Double, in counters: SlotCounters) {
        counters.add(bucket(for: value), 1)
        counters.add(sum, Int64((value * sumScale).rounded()))
    }

    /// Cumulative counts for `le` = each bound, then +Inf, from the per-bucket counts.
    public static func cumulative(_ counts: [UInt64]) -> [UInt64] {
        var total: UInt64 = 0
        return counts.map { total += $0; return total }
    }
}
