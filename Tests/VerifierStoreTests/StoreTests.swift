// The store on a real SQLite file: every write, then the file reopened; atomicity; pruning; locking.
import Foundation
import GRDB
import Testing
import TestSupport
import VerifierCore
@testable import VerifierStore

@Suite struct StoreTests {
    @Test func createdDomain_survivesReopen() throws {
        let fixture = try StoreFixture()
        let created = try fixture.addDomain("example.com")
        try fixture.reopen()
        let reread = try #require(try fixture.store.domain(id: created.id))
        #expect(reread == created)
        #expect(reread.status == .notStarted)
        #expect(reread.records.map(\.spec.kind) == [.dkim, .spfMX, .spfTXT, .dmarc])
        #expect(reread.records[1].spec.priority == 10)
        #expect(try fixture.store.domain(name: "example.com")?.id == created.id)
    }

    @Test func secondDomainWithTheSameName_isAConflict() throws {
        let fixture = try StoreFixture()
        _ = try fixture.addDomain("example.com")
        #expect {
            _ = try fixture.addDomain("example.com")
        } throws: { error in
            (error as? StoreError)?.kind == .conflict && "\(error)".contains("example.com already exists")
        }
        #expect(try fixture.store.listDomains(limit: 10).items.count == 1)
    }

    @Test func databaseFiles_areReadableByTheOwnerOnly() throws {
        let old = umask(0o022)
        defer { umask(old) }
        let fixture = try StoreFixture()
        _ = try fixture.addDomain("example.com")
        for suffix in ["", "-wal", "-shm", ".lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: fixture.path + suffix)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(suffix)")
        }
    }

    @Test func everyConnection_syncsFully_soThatACommitSurvivesPowerLoss() throws {
        let fixture = try StoreFixture()
        _ = try fixture.addDomain("example.com")
        // GRDB sets synchronous=NORMAL on the writer when it turns WAL on, after `prepareDatabase`.
        #expect(try fixture.store.pool.write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        #expect(try fixture.store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
    }

    @Test func shiftingOpenTimes_movesWindowsMissesStreaksAndNextChecks_only() throws {
        let fixture = try StoreFixture()
        let states: [(String, VerificationState, Date?)] = [
            ("pending.example", VerificationState(status: .pending, windowStartedAt: t0, deadlineAt: t0 + 600, lastCheckedAt: t0 + 1), t0 + 30),
            ("verified.example", VerificationState(status: .verified, firstMissAt: t0 + 2, dnsErrorSince: t0 + 3, verifiedAt: t0), t0 + 60),
            ("failed.example", VerificationState(status: .failed, windowStartedAt: t0, deadlineAt: t0 + 600, lastCheckedAt: t0 + 600), nil),
        ]
        var ids: [UUID] = []
        for (name, state, next) in states {
            let id = try fixture.addDomain(name).id
            try fixture.store.applyUpdate(domainID: id, update: StateUpdate(state: state, transition: nil,
                                                                            nextCheck: next.map { DueCheck(at: $0, reason: .scheduled) }, at: t0))
            ids.append(id)
        }
        #expect(try fixture.store.shiftOpenTimes(by: 3 * 86_400) == 1)
        for ((_, state, _), id) in zip(states, ids) {
            #expect(try fixture.store.domain(id: id)?.state == state.shifted(by: 3 * 86_400))
        }
        let schedule = try fixture.store.scheduledDomains()
        #expect(schedule.map(\.due.at) == [t0 + 30 + 3 * 86_400, t0 + 60 + 3 * 86_400])
        #expect(try fixture.store.domain(id: ids[0])?.createdAt == t0, "history stays")
    }

    @Test func checkWithTransition_isStoredWithItsState_andSurvivesReopen() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        let at = t0 + 2
        let step = try fixture.store.step(id, .checkCompleted(check(at: at, .match).summary), at: at, check: check(at: at, .match))
        #expect(step.state.status == .verified)
        try fixture.reopen()
        let domain = try #require(try fixture.store.domain(id: id))
        #expect(domain.status == .verified)
        #expect(domain.state.verifiedAt == at)
        #expect(domain.state.lastCheckedAt == at)
        #expect(domain.nextCheck?.reason == .scheduled)
        #expect(domain.records.allSatisfy { $0.lastOutcome == .match && $0.status(domain: .verified) == .verified })
        let transitions = try fixture.store.transitions(domainID: id)
        #expect(transitions.map(\.to) == [.pending, .verified])
        #expect(transitions[0].checkID == nil)
        let checkID = try #require(transitions[1].checkID)
        let history = try fixture.store.history(domainID: id, limit: 10).items
        guard case let .check(stored) = history.first(where: { if case .check = $0 { true } else { false } }) else {
            Issue.record("no check in the history")
            return
        }
        #expect(stored.id == checkID)
        #expect(stored.result.records == check(at: at, .match).records)
        #expect(stored.verdict == .allMatch)
    }

    @Test func failureBetweenTransitionAndState_leavesNeither() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        // Inject a failure at the state update, after the check and transition rows are written.
        try fixture.store.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER injected_failure BEFORE UPDATE OF status ON domains
                BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                """)
        }
        let at = t0 + 2
        #expect(throws: StoreError.self) {
            try fixture.store.step(id, .checkCompleted(check(at: at, .match).summary), at: at, check: check(at: at, .match))
        }
        try fixture.store.pool.write { db in try db.execute(sql: "DROP TRIGGER injected_failure") }
        try fixture.reopen()
        #expect(try fixture.store.domain(id: id)?.status == .pending)
        #expect(try fixture.store.transitions(domainID: id).map(\.to) == [.pending])
        #expect(try fixture.store.checkCount() == 0)
        #expect(try fixture.store.domain(id: id)?.records.allSatisfy { $0.lastOutcome == nil } == true)
    }

    @Test func checkOfADeletedDomain_isDropped() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        #expect(try fixture.store.deleteDomain(id: id, audit: AuditEntry(at: t0, peerUID: 0, peerPID: 1, action: "domain.delete")))
        let update = StateUpdate(state: VerificationState(status: .pending), transition: nil, nextCheck: nil, at: t0)
        #expect(try fixture.store.recordCheck(domainID: id, result: check(at: t0, .match), update: update) == nil)
        #expect(try fixture.store.checkCount() == 0)
    }

    @Test func deletingADomain_removesItsHistory_butTheAuditLogKeepsIt() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        try fixture.store.step(id, .checkCompleted(check(at: t0 + 1, .noHost).summary), at: t0 + 1, check: check(at: t0 + 1, .noHost))
        let deleted = try fixture.store.deleteDomain(id: id, audit: AuditEntry(at: t0 + 5, peerUID: 1000, peerPID: 42, action: "domain.delete", domainID: id, domainName: "example.com"))
        #expect(deleted)
        #expect(try fixture.store.deleteDomain(id: id, audit: AuditEntry(at: t0 + 6, peerUID: 0, peerPID: 1, action: "domain.delete")) == false)
        try fixture.reopen()
        #expect(try fixture.store.domain(id: id) == nil)
        #expect(try fixture.store.checkCount() == 0)
        #expect(try fixture.store.transitions(domainID: id).isEmpty)
        let audit = try fixture.store.auditLog()
        #expect(audit.map(\.entry.action) == ["domain.delete", "domain.create"])
        #expect(audit[0].entry.domainName == "example.com")
        #expect(audit[0].entry.peerUID == 1000)
        #expect(audit[0].entry.peerPID == 42)
        // The private key went with the domain.
        let keys = try fixture.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM dkim_keys") }
        #expect(keys == 0)
    }

    @Test func pruning_keepsChecksThatTransitionsPointTo() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        // Ten misses, then the match that verifies: only that check is referenced by a transition.
        for minute in 1...10 {
            let at = t0 + Double(minute * 60)
            try fixture.store.step(id, .checkCompleted(check(at: at, .noRecord).summary), at: at, check: check(at: at, .noRecord))
        }
        let verifyAt = t0 + 3600
        try fixture.store.step(id, .checkCompleted(check(at: verifyAt, .match).summary), at: verifyAt, check: check(at: verifyAt, .match))
        let recent = t0 + 40 * 86400
        try fixture.store.step(id, .checkCompleted(check(at: recent, .match).summary), at: recent, check: check(at: recent, .match))
        #expect(try fixture.store.checkCount() == 12)

        let deleted = try fixture.store.prune(olderThan: recent - 30 * 86400, batchSize: 3)
        #expect(deleted == 10)
        try fixture.reopen()
        #expect(try fixture.store.checkCount() == 2)
        let transitions = try fixture.store.transitions(domainID: id)
        let referenced = try #require(transitions.last?.checkID)
        let checks = try fixture.store.history(domainID: id, limit: 100).items.compactMap { entry -> Int64? in
            if case let .check(check) = entry { return check.id }
            return nil
        }
        #expect(checks.contains(referenced))
    }

    @Test func checkpointer_copiesTheWALBack_besideTheWriter() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        for minute in 1...50 {
            let at = t0 + Double(minute * 60)
            try fixture.store.step(id, .checkCompleted(check(at: at, .noRecord).summary), at: at, check: check(at: at, .noRecord))
        }
        // Commits no longer checkpoint on their own: the WAL holds every frame until the checkpointer runs.
        let wal = try #require(try FileManager.default.attributesOfItem(atPath: fixture.store.path + "-wal")[.size] as? Int)
        #expect(wal > 50 * 4096)
        let round = try fixture.store.checkpointWAL()
        #expect(round.walFrames > 50)
        #expect(round.copied == round.walFrames)
        try fixture.reopen()
        #expect(try fixture.store.checkCount() == 50)
    }

    @Test func walStaysBounded_whileWritesAndReadsNeverPause() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/domain-verifier.sqlite"
        // Rounds every 50 ms and a restart past 64 frames, so that seconds show what hours would.
        let store = try Store(path: path, checkpoints: .init(interval: .milliseconds(50), restartFrames: 64))
        defer { try? store.close() }
        let ids = try (0..<200).map { index in
            try store.createDomain(newDomain("w\(index).example.com"), audit: AuditEntry(at: t0, peerUID: 0, peerPID: 1, action: "domain.create")).id
        }
        // A reader that never pauses, as the scheduler and the API are under load.
        let reading = Flag()
        reading.value = true
        let readerDone = DispatchSemaphore(value: 0)
        Thread {
            var index = 0
            while reading.value {
                _ = try? store.domain(id: ids[index % ids.count])
                index += 1
            }
            readerDone.signal()
        }.start()
        defer {
            reading.value = false
            readerDone.wait()
        }
        func walBytes() -> Int { (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0 }
        var batches = 0
        var sizes: [(batches: Int, bytes: Int)] = []
        let start = Date()
        // A fixed amount of writing (400 batches), however long it takes the machine.
        while batches < 400, Date().timeIntervalSince(start) < 60 {
            batches += 1
            let at = t0 + Double(batches)
            // Five domains a batch, a different five each time, as checks finish in small groups.
            let group = (0..<5).map { ids[(batches * 5 + $0) % ids.count] }
            _ = try store.recordChecks(group.map { id in
                (id, check(at: at, .noRecord), StateUpdate(state: VerificationState(status: .pending, windowStartedAt: t0,
                                                                                    deadlineAt: t0 + 72 * 3600, lastCheckedAt: at,
                                                                                    checksInWindow: batches),
                                                           transition: nil, nextCheck: nil, at: at))
            })
            if batches % 10 == 0 { sizes.append((batches, walBytes())) }
        }
        // Without a restart the file grows with every batch written (a few pages each); with one it
        // stays near what a few checkpoint rounds' worth of batches take.
        let last = try #require(sizes.last)
        #expect(batches == 400, "only \(batches) batches in 60 s")
        // (Without the RESTART the WAL grew by ~80 KB a batch: 40 MB after 400; with it, 3.5 MB.)
        #expect(last.bytes <= 16 << 20, "the WAL kept growing: \(last.bytes) bytes after \(batches) batches: \(sizes.map(\.bytes).prefix(30))")
    }

    @Test func recheck_thatKeepsTheStatus_andOneThatChangesIt_areBothWritten() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        let miss = t0 + 60
        try fixture.store.step(id, .checkCompleted(check(at: miss, .noRecord).summary), at: miss, check: check(at: miss, .noRecord))
        #expect(try fixture.store.domain(id: id)?.status == .pending)
        #expect(try fixture.store.domain(id: id)?.state.checksInWindow == 1)
        let match = t0 + 120
        try fixture.store.step(id, .checkCompleted(check(at: match, .match).summary), at: match, check: check(at: match, .match))
        try fixture.reopen()
        let domain = try #require(try fixture.store.domain(id: id))
        #expect(domain.status == .verified)
        #expect(domain.state.lastMatchedAt == match)
        // A state whose status differs from the stored one, without a transition, is still written whole.
        var state = domain.state
        state.status = .temporaryFailure
        #expect(try fixture.store.applyUpdate(domainID: id, update: StateUpdate(state: state, transition: nil, nextCheck: nil, at: match + 1)))
        #expect(try fixture.store.domain(id: id)?.status == .temporaryFailure)
        #expect(try !fixture.store.applyUpdate(domainID: UUID(), update: StateUpdate(state: state, transition: nil, nextCheck: nil, at: match)))
    }

    /// A recheck that sees every record as before writes the check and the domain's state only; the
    /// records still read as checked then, and a record that changes is written.
    @Test func recheckSeeingTheRecordsAsBefore_writesNoRecordRow_yetTheyReadAsJustChecked() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        func rowTimes() throws -> [String: Date?] {
            try fixture.store.read("test") { db in
                Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT kind, last_checked_at FROM records").map {
                    ($0["kind"] as String, ($0["last_checked_at"] as Int64?).map(Date.init(millis:)))
                })
            }
        }
        try fixture.store.step(id, .verifyRequested, at: t0)
        #expect(try fixture.store.domain(id: id)?.records.allSatisfy { $0.lastCheckedAt == nil && $0.lastOutcome == nil } == true)
        let first = t0 + 60
        try fixture.store.step(id, .checkCompleted(check(at: first, .match).summary), at: first, check: check(at: first, .match))
        #expect(try rowTimes().values.allSatisfy { $0 == first })

        let second = t0 + 120
        try fixture.store.step(id, .checkCompleted(check(at: second, .match).summary), at: second, check: check(at: second, .match))
        #expect(try rowTimes().values.allSatisfy { $0 == first }, "an unchanged record was written")
        try fixture.reopen()
        let domain = try #require(try fixture.store.domain(id: id))
        #expect(domain.records.count == 4 && domain.records.allSatisfy { $0.lastCheckedAt == second && $0.lastOutcome == .match })

        let third = t0 + 180
        try fixture.store.step(id, .checkCompleted(check(at: third, .noRecord).summary), at: third, check: check(at: third, .noRecord))
        let times = try rowTimes()
        #expect(times["dmarc"] == first, "DMARC matched as before: \(times)")
        #expect(times.filter { $0.key != "dmarc" }.values.allSatisfy { $0 == third }, "the records that changed: \(times)")
        let after = try #require(try fixture.store.domain(id: id))
        #expect(after.records.allSatisfy { $0.lastCheckedAt == third })
        #expect(after.records.filter { $0.spec.kind != .dmarc }.allSatisfy { $0.lastOutcome == .noRecord && $0.detail == "detail" })
    }

    @Test func history_isNewestFirst_andPagesWithoutGapsOrRepeats() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        try fixture.store.step(id, .verifyRequested, at: t0)
        for second in 1...6 {
            let at = t0 + Double(second)
            let outcome: Outcome = second == 6 ? .match : .noHost
            try fixture.store.step(id, .checkCompleted(check(at: at, outcome).summary), at: at, check: check(at: at, outcome))
        }
        let all = try fixture.store.history(domainID: id, limit: 100)
        #expect(all.items.count == 8)
        #expect(!all.hasMore)
        #expect(all.items.map(\.at) == all.items.map(\.at).sorted(by: >))
        // The verifying transition comes before the check that caused it (same time).
        guard case .transition = all.items[0], case .check = all.items[1] else {
            Issue.record("expected the transition first: \(all.items.prefix(2))")
            return
        }
        var paged: [HistoryEntry] = []
        var cursor: HistoryCursor?
        repeat {
            let page = try fixture.store.history(domainID: id, limit: 3, before: cursor)
            paged += page.items
            cursor = page.hasMore ? page.items.last?.cursor : nil
        } while cursor != nil
        #expect(paged == all.items)
        #expect(HistoryCursor(all.items[3].cursor.description) == all.items[3].cursor)
    }

    @Test func listing_pagesByIdAndFiltersByStatus() throws {
        let fixture = try StoreFixture()
        var ids: [UUID] = []
        for index in 0..<7 {
            ids.append(try fixture.addDomain("d\(index).example.com").id)
        }
        try fixture.store.step(ids[2], .verifyRequested, at: t0)
        try fixture.store.step(ids[5], .verifyRequested, at: t0)
        var seen: [UUID] = []
        var after: UUID?
        repeat {
            let page = try fixture.store.listDomains(limit: 3, after: after)
            seen += page.items.map(\.id)
            after = page.hasMore ? page.items.last?.id : nil
        } while after != nil
        #expect(seen.count == 7)
        #expect(Set(seen) == Set(ids))
        #expect(seen.map { $0.uuidString.lowercased() } == seen.map { $0.uuidString.lowercased() }.sorted())
        let pending = try fixture.store.listDomains(limit: 10, status: .pending)
        #expect(Set(pending.items.map(\.id)) == [ids[2], ids[5]])
        let counts = try fixture.store.countsByStatus()
        #expect(counts[.pending] == 2)
        #expect(counts[.notStarted] == 5)
        #expect(counts[.failed] == 0)
    }

    @Test func schedule_isLoadedSoonestFirst_andSurvivesReopen() throws {
        let fixture = try StoreFixture()
        let a = try fixture.addDomain("a.example.com").id
        let b = try fixture.addDomain("b.example.com").id
        _ = try fixture.addDomain("c.example.com")
        try fixture.store.applyUpdate(domainID: a, update: StateUpdate(state: VerificationState(status: .verified), transition: nil,
                                                                       nextCheck: DueCheck(at: t0 + 100, reason: .scheduled), at: t0))
        try fixture.store.applyUpdate(domainID: b, update: StateUpdate(state: VerificationState(status: .pending), transition: nil,
                                                                       nextCheck: DueCheck(at: t0 + 50, reason: .deadline), at: t0))
        try fixture.reopen()
        let schedule = try fixture.store.scheduledDomains()
        #expect(schedule == [ScheduledDomain(id: b, due: DueCheck(at: t0 + 50, reason: .deadline)),
                             ScheduledDomain(id: a, due: DueCheck(at: t0 + 100, reason: .scheduled))])
    }

    @Test func trackingUpdate_changesOnlyWhatIsGiven_andIsAudited() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        let updated = try fixture.store.updateTracking(id: id, openTracking: true, clickTracking: nil,
                                                       audit: AuditEntry(at: t0 + 1, peerUID: 0, peerPID: 7, action: "domain.update", domainID: id))
        #expect(updated?.openTracking == true)
        #expect(updated?.clickTracking == false)
        #expect(try fixture.store.updateTracking(id: UUID(), openTracking: true, clickTracking: true,
                                                 audit: AuditEntry(at: t0, peerUID: 0, peerPID: 7, action: "domain.update")) == nil)
        try fixture.reopen()
        #expect(try fixture.store.domain(id: id)?.openTracking == true)
        #expect(try fixture.store.auditLog().first?.entry.action == "domain.update")
    }

    @Test func privateKey_isReadOnlyOnRequest_andTheReadIsAudited() throws {
        let fixture = try StoreFixture()
        let id = try fixture.addDomain("example.com").id
        let pem = try fixture.store.dkimPrivateKey(id: id, audit: AuditEntry(at: t0, peerUID: 0, peerPID: 3, action: "dkim.export", domainID: id))
        #expect(pem == newDomain("example.com").dkimPrivateKeyPEM)
        #expect(try fixture.store.auditLog().first?.entry.action == "dkim.export")
        #expect(try fixture.store.dkimPrivateKey(id: UUID(), audit: AuditEntry(at: t0, peerUID: 0, peerPID: 3, action: "dkim.export")) == nil)
    }

    @Test func refusedRequests_areAudited() throws {
        let fixture = try StoreFixture()
        try fixture.store.appendAudit(AuditEntry(at: t0, peerUID: 1234, peerPID: 99, action: "domain.create", domainName: "x.example.com", allowed: false, detail: "uid 1234 may only read"))
        try fixture.reopen()
        let entry = try #require(try fixture.store.auditLog().first?.entry)
        #expect(entry.allowed == false)
        #expect(entry.peerUID == 1234)
        #expect(entry.detail == "uid 1234 may only read")
    }

    @Test func secondStoreOnTheSameFile_isRefusedWithTheHoldersPID() throws {
        let fixture = try StoreFixture()
        #expect {
            _ = try Store(path: fixture.path)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.kind == .locked && error.message.contains("pid \(getpid())")
        }
        try fixture.store.close()
        let reopened = try Store(path: fixture.path)
        try reopened.close()
    }

    @Test func damagedFile_isRefused_andNeverReplaced() throws {
        let directory = try TemporaryDirectory()
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 * 7 + 3) })
        let path = try directory.file("damaged.sqlite", contents: garbage)
        #expect {
            _ = try Store(path: path)
        } throws: { error in
            (error as? StoreError)?.kind == .corrupt
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test func damagePastTheHeader_isFoundByTheIntegrityCheck() throws {
        let fixture = try StoreFixture()
        for index in 0..<200 { _ = try fixture.addDomain("d\(index).example.com") }
        try fixture.store.close()
        // Overwrite pages in the middle of the file, away from the header and the schema.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: fixture.path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 8192))
        try handle.close()
        fixture.store = try Store(path: fixture.path)
        #expect {
            try fixture.store.checkIntegrity()
        } throws: { error in
            (error as? StoreError)?.kind == .corrupt && "\(error)".contains("is damaged")
        }
    }

    @Test func healthyDatabase_passesTheIntegrityCheck() throws {
        let fixture = try StoreFixture()
        _ = try fixture.addDomain("example.com")
        try fixture.store.checkIntegrity()
    }

    @Test func migrations_areRecorded_andReopeningDoesNotRerunThem() throws {
        let fixture = try StoreFixture()
        try fixture.reopen()
        let applied = try fixture.store.pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1: domains, records, keys, checks, transitions, audit log"])
        let mode = try fixture.store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }
}
