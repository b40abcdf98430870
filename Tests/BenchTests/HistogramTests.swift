import Testing
@testable import chatroom_bench

@Suite struct HistogramTests {
    @Test func smallValuesAreExact() {
        var h = Histogram()
        for v in 1...100 { h.record(Int64(v)) }
        #expect(h.count == 100)
        #expect(h.percentile(50) == 50)
        #expect(h.percentile(90) == 90)
        #expect(h.percentile(99) == 99)
        #expect(h.percentile(100) == 100)
        #expect(h.max == 100)
        #expect(h.mean == 50.5)
    }

    @Test(arguments: [Int64(128), 1_000, 12_345, 999_999, 3_600_000_000, Int64.max / 2])
    func largeValuesWithinResolution(value: Int64) {
        var h = Histogram()
        h.record(value)
        h.record(value)
        // The max is exact; a percentile is the middle of its bucket, clamped to [min, max].
        #expect(h.max == value)
        let error = abs(Double(h.percentile(50) - value)) / Double(value)
        #expect(error <= 1.0 / 64)
    }

    @Test func bucketsAreContiguousAndMonotonic() {
        var previousEnd: Int64 = 0
        for index in 0..<(128 + 64 * 20) {
            let (low, width) = Histogram.range(index)
            #expect(low == previousEnd)
            #expect(Histogram.index(low) == index)
            #expect(Histogram.index(low + width - 1) == index)
            previousEnd = low + width
        }
        #expect(Histogram.index(Int64.max) < Histogram.bucketCount)
    }

    @Test func percentilesOfAUniformSpread() {
        var h = Histogram()
        for v in stride(from: Int64(1_000), through: 100_000, by: 1) { h.record(v) }
        for p in [50.0, 90.0, 99.0, 99.9] {
            let exact = 1_000 + (p / 100 * 99_001).rounded(.up) - 1
            #expect(abs(Double(h.percentile(p)) - exact) / exact < 0.01, "p\(p)")
        }
    }

    @Test func mergeAddsCounts() {
        var a = Histogram(), b = Histogram()
        for v in 0..<1000 { a.record(Int64(v)) }
        for v in 1000..<2000 { b.record(Int64(v)) }
        a.merge(b)
        #expect(a.count == 2000)
        #expect(a.max == 1999)
        #expect(abs(Double(a.percentile(50)) - 999) / 999 < 0.01)
    }

    @Test func emptyAndNegative() {
        var h = Histogram()
        #expect(h.percentile(99) == 0)
        h.record(-5)
        #expect(h.count == 1)
        #expect(h.percentile(50) == 0)
    }
}

@Suite struct TimestampScannerTests {
    @Test func findsTheMarker() {
        #expect(TimestampScanner.timestamp(in: #"{"content":"ts=123456","room_id":1}"#) == 123456)
        #expect(TimestampScanner.timestamp(in: #"42["message",{"msg":"ts=987","seq":3}]"#) == 987)
        #expect(TimestampScanner.timestamp(in: #"42["room",{"1":{"id":1}}]"#) == nil)
        #expect(TimestampScanner.timestamp(in: "ts=") == nil)
        #expect(TimestampScanner.timestamp(in: "its=x ts=5") == 5)
    }

    @Test func ackIDs() {
        #expect(TimestampScanner.ackID(in: #"4317[{"id":5,"seq":9}]"#) == 17)
        #expect(TimestampScanner.ackID(in: #"42["message",{}]"#) == nil)
        #expect(TimestampScanner.ackID(in: "43[]") == nil)
    }
}
