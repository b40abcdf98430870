import Testing
@testable import Shared

@Suite struct PrometheusTextTests {
    @Test func familiesSamplesAndEscapes() {
        var out = PrometheusText()
        out.family("chatroom_rooms", .gauge, "Rooms, with a \\ and\na newline.")
        out.sample("chatroom_rooms", [("name", "a \"quoted\\\" name\nhere")], 3)
        out.sample("chatroom_ratio", [], 0.25)
        #expect(out.text == """
            # HELP chatroom_rooms Rooms, with a \\\\ and\\na newline.
            # TYPE chatroom_rooms gauge
            chatroom_rooms{name="a \\"quoted\\\\\\" name\\nhere"} 3
            chatroom_ratio 0.25

            """)
    }

    @Test func histogramsAreCumulativeWithInfCountAndSum() {
        var out = PrometheusText()
        out.histogram("h", "help", bounds: [1, 10], counts: [2, 3, 4], sum: 57.5)
        #expect(out.text.split(separator: "\n").map(String.init) == [
            "# HELP h help", "# TYPE h histogram",
            "h_bucket{le=\"1\"} 2", "h_bucket{le=\"10\"} 5", "h_bucket{le=\"+Inf\"} 9",
            "h_sum 57.5", "h_count 9",
        ])
    }

    @Test func observationsLandInOneBucket() {
        let h = MetricHistogram.batchSeconds
        #expect(h.bucket(for: 0.0005) == .batchTimeUpTo1ms)
        #expect(h.bucket(for: 0.001) == .batchTimeUpTo1ms)
        #expect(h.bucket(for: 0.2) == .batchTimeUpTo250ms)
        #expect(h.bucket(for: 3) == .batchTimeMore)
        #expect(MetricHistogram.batchSize.bucket(for: 500) == .batchSizeUpTo1000)
        #expect(MetricHistogram.cumulative([1, 0, 2]) == [1, 1, 3])
        // Every counter fits the per-process slots of the shared memory.
        #expect(Counter.allCases.count <= ProcessTable.counterCount)
    }
}
