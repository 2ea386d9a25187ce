// The scheduler's queue of due checks: a binary min-heap with lazy removal, one entry per domain.
import Foundation
import VerifierCore

/// Due checks ordered by time. A domain has at most one live entry: scheduling it again makes the
/// older heap entry stale, and stale entries are skipped when they surface (no search, no rebuild).
struct DueQueue {
    private struct Entry {
        var at: Date
        /// Deadline checks go before other checks due at the same time.
        var priority: Int
        var sequence: UInt64
        var id: UUID
    }

    private var heap: [Entry] = []
    private var live: [UUID: (due: DueCheck, sequence: UInt64)] = [:]
    private var counter: UInt64 = 0

    /// Domains with a live entry.
    var count: Int { live.count }

    /// The due check of a domain, if scheduled.
    func due(_ id: UUID) -> DueCheck? { live[id]?.due }

    /// Schedules `id` at `due`, replacing its previous entry; nil unschedules it.
    mutating func schedule(_ id: UUID, _ due: DueCheck?) {
        guard let due else {
            live[id] = nil
            return
        }
        counter += 1
        live[id] = (due, counter)
        push(Entry(at: due.at, priority: due.reason == .deadline ? 0 : 1, sequence: counter, id: id))
        // Stale entries pile up when domains are rescheduled often: compact when they dominate.
        if heap.count > 1024 && heap.count > live.count * 4 { compact() }
    }

    /// Moves every due time by `seconds` (the wall clock jumped).
    mutating func shift(by seconds: TimeInterval) {
        let entries = live
        heap = []
        live = [:]
        for (id, entry) in entries.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            schedule(id, DueCheck(at: entry.due.at + seconds, reason: entry.due.reason))
        }
    }

    /// The earliest live due time.
    mutating func earliest() -> Date? {
        dropStale()
        return heap.first?.at
    }

    /// Removes and returns the earliest live entry if it is due at `now`.
    mutating func popDue(now: Date) -> (id: UUID, due: DueCheck)? {
        dropStale()
        guard let top = heap.first, top.at <= now else { return nil }
        popTop()
        guard let entry = live.removeValue(forKey: top.id) else { return nil }
        return (top.id, entry.due)
    }

    private mutating func dropStale() {
        while let top = heap.first, live[top.id]?.sequence != top.sequence { popTop() }
    }

    private mutating func compact() {
        heap = live.map { id, entry in
            Entry(at: entry.due.at, priority: entry.due.reason == .deadline ? 0 : 1, sequence: entry.sequence, id: id)
        }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        (a.at, a.priority, a.sequence) < (b.at, b.priority, b.sequence)
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, Self.before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.before(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
