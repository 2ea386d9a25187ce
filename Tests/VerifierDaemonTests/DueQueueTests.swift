// The scheduler's due queue: soonest first, one live entry per domain, deadlines before others at a tie.
import Foundation
import Testing
import VerifierCore
@testable import VerifierDaemon

@Suite struct DueQueueTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func popsInDueOrder_andOnlyWhatIsDue() {
        var queue = DueQueue()
        let ids = (0..<5).map { _ in UUID() }
        for (index, id) in ids.enumerated().reversed() {
            queue.schedule(id, DueCheck(at: t0 + Double(index * 10), reason: .scheduled))
        }
        #expect(queue.earliest() == t0)
        var popped: [UUID] = []
        while let (id, _) = queue.popDue(now: t0 + 25) { popped.append(id) }
        #expect(popped == Array(ids.prefix(3)))
        #expect(queue.count == 2)
        #expect(queue.earliest() == t0 + 30)
    }

    @Test func reschedulingReplacesTheEntry_andRemovingForgetsIt() {
        var queue = DueQueue()
        let a = UUID()
        let b = UUID()
        queue.schedule(a, DueCheck(at: t0 + 100, reason: .scheduled))
        queue.schedule(b, DueCheck(at: t0 + 50, reason: .scheduled))
        queue.schedule(a, DueCheck(at: t0 + 10, reason: .confirm))
        queue.schedule(b, nil)
        #expect(queue.count == 1)
        #expect(queue.due(a) == DueCheck(at: t0 + 10, reason: .confirm))
        #expect(queue.popDue(now: t0 + 1000)?.id == a)
        #expect(queue.popDue(now: t0 + 1000) == nil)
        #expect(queue.earliest() == nil)
    }

    @Test func deadlinesGoFirst_atTheSameTime() {
        var queue = DueQueue()
        let scheduled = UUID()
        let deadline = UUID()
        queue.schedule(scheduled, DueCheck(at: t0, reason: .scheduled))
        queue.schedule(deadline, DueCheck(at: t0, reason: .deadline))
        #expect(queue.popDue(now: t0)?.id == deadline)
        #expect(queue.popDue(now: t0)?.id == scheduled)
    }

    @Test func manyReschedules_keepOrderAndCompact() {
        var queue = DueQueue()
        var expected: [UUID: Date] = [:]
        var random = SeededOrSystemRandom(seed: 7)
        let ids = (0..<500).map { _ in UUID() }
        for round in 0..<20 {
            for id in ids {
                let at = t0 + Double(UInt64.random(in: 0..<100_000, using: &random)) + Double(round)
                queue.schedule(id, DueCheck(at: at, reason: .scheduled))
                expected[id] = at
            }
        }
        #expect(queue.count == 500)
        var last = Date.distantPast
        var seen = 0
        while let (id, due) = queue.popDue(now: .distantFuture) {
            #expect(due.at >= last)
            #expect(expected[id] == due.at)
            last = due.at
            seen += 1
        }
        #expect(seen == 500)
    }
}
