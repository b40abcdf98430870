import Shared
import Testing
@testable import TaskWorker

/// An executor whose database is up or down at the test's command; it records what it ran.
private final class SwitchableExecutor: JobExecutor {
    var up = false
    var ran: [[UInt64]] = []

    func execute(_ jobs: [ReceivedJob]) -> [JobOutcome] {
        ran.append(jobs.map(\.id))
        return jobs.map { job in
            if job.kind == .messageReceived && !up { return JobOutcome(status: .unavailable, payload: []) }
            return .done
        }
    }
}

@Suite struct JobRunnerTests {
    private func job(_ id: UInt64, room: Int) -> ReceivedJob {
        ReceivedJob(worker: 0, id: id, kind: .messageReceived, payload: JSONWriter.encode(["room": .int(Int64(room)), "seq": .int(Int64(id))]))
    }

    @Test func unavailableJobsWaitUnackedAndRetryWithBackOff() {
        let executor = SwitchableExecutor()
        var acked: [UInt64] = []
        let runner = JobRunner(executor: executor) { job, _ in acked.append(job.id) }

        runner.run([job(1, room: 1), job(2, room: 2)])
        #expect(acked == [] && runner.waiting.map(\.id) == [1, 2])
        #expect(runner.retryDelay == 500)

        // Room 1 has a message waiting: its next one queues behind; room 3 and api jobs run now.
        executor.up = true
        let api = ReceivedJob(worker: 0, id: 4, kind: .api, payload: [])
        runner.run([job(3, room: 1), job(5, room: 3), api])
        #expect(executor.ran.last == [5, 4])
        #expect(acked == [5, 4])
        #expect(runner.waiting.map(\.id) == [1, 2, 3])

        executor.up = false
        var delays: [Int64] = []
        for _ in 0..<6 {
            runner.retry()
            delays.append(runner.retryDelay)
        }
        #expect(delays == [1000, 2000, 4000, 5000, 5000, 5000])
        #expect(acked == [5, 4] && runner.waiting.map(\.id) == [1, 2, 3])

        executor.up = true
        runner.retry()
        #expect(executor.ran.last == [1, 2, 3])  // in arrival order: room 1's seq 1 before seq 3
        #expect(acked == [5, 4, 1, 2, 3])
        #expect(!runner.hasWaiting && runner.retryDelay == 500)

        // Nothing waits any more: a room-1 job runs at once.
        runner.run([job(6, room: 1)])
        #expect(acked.last == 6)
    }
}
