import CShim

/// The two clocks the server uses: monotonic for timeouts and latency, wall for timestamps.
public enum Clock {
    @inline(__always)
    public static func monotonicNanoseconds() -> Int64 { cshim_monotonic_ns() }

    @inline(__always)
    public static func monotonicMilliseconds() -> Int64 { cshim_monotonic_ns() / 1_000_000 }

    @inline(__always)
    public static func wallMilliseconds() -> Int64 { cshim_realtime_ms() }
}
