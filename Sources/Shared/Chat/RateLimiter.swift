/// A token bucket: `rate` events per second on average, bursts up to `burst`. Time comes from the
/// caller (milliseconds), so the bucket is a pure value and tests need no clock.
public struct RateLimiter: Sendable {
    public let rate: Int
    public let burst: Int
    private var tokens: Double
    private var updatedAt: Int64

    public init(rate: Int, burst: Int, now: Int64) {
        self.rate = max(1, rate)
        self.burst = max(1, burst)
        tokens = Double(self.burst)
        updatedAt = now
    }

    /// Takes one token if there is one.
    public mutating func allow(now: Int64) -> Bool {
        let elapsed = max(0, now - updatedAt)
        updatedAt = now
        tokens = min(Double(burst), tokens + Double(elapsed) * Double(rate) / 1000)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
