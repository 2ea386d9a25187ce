// Fixtures for store tests: a store on a real file in a temporary directory, domains and checks.
import Foundation
import TestSupport
import VerifierCore
import VerifierStore

let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// A real database file in a temporary directory, reopened as the daemon would after a restart.
final class StoreFixture {
    let directory: TemporaryDirectory
    let path: String
    var store: Store

    init() throws {
        directory = try TemporaryDirectory()
        path = directory.path + "/domain-verifier.sqlite"
        store = try Store(path: path)
    }

    /// Closes the store and opens the same file again.
    func reopen() throws {
        try store.close()
        store = try Store(path: path)
    }

    func addDomain(_ name: String, at: Date = t0) throws -> Domain {
        try store.createDomain(newDomain(name, at: at), audit: AuditEntry(at: at, peerUID: 0, peerPID: 1, action: "domain.create", domainName: name))
    }
}

func newDomain(_ name: String, at: Date = t0) -> NewDomain {
    let publicKey = Data("public key of \(name)".utf8).base64EncodedString()
    let records = RecordPolicy().records(for: DomainRecordInputs(name: name, region: "us-east-1", returnPath: "send",
                                                                 dkimPublicKey: publicKey, dkimSelector: "resend"))
    return NewDomain(name: name, region: "us-east-1", customReturnPath: "send", openTracking: false, clickTracking: false,
                     dkimSelector: "resend", dkimKeyBits: 2048, dkimPublicKey: publicKey,
                     dkimPrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\nsecret of \(name)\n-----END PRIVATE KEY-----\n",
                     records: records, createdAt: at)
}

/// A check in which every record has `outcome` (DMARC matching regardless).
func check(at: Date, _ outcome: Outcome, reason: CheckReason = .scheduled) -> CheckResult {
    CheckResult(startedAt: at, duration: 0.012, reason: reason, records: RecordKind.allCases.map { kind in
        let actual = kind == .dmarc ? .match : outcome
        return RecordJudgement(kind: kind, outcome: actual, observed: actual == .match ? [] : ["observed \(kind.rawValue)"],
                               detail: actual == .match ? nil : "detail", rcode: "NOERROR")
    })
}

extension Store {
    /// Runs the machine for `event` on the stored domain and stores the result as the scheduler would.
    @discardableResult
    func step(_ id: UUID, _ event: VerificationEvent, at: Date, check result: CheckResult? = nil) throws -> VerificationStep {
        let domain = try require(try self.domain(id: id))
        let step = VerificationMachine().step(domain.state, event, now: at)
        var random = SystemRandomNumberGenerator()
        let next = PollPlan().nextCheck(step.state, now: at, random: &random)
        let update = StateUpdate(state: step.state, transition: step.transition, nextCheck: next, at: at)
        if let result {
            try recordCheck(domainID: id, result: result, update: update)
        } else {
            try applyUpdate(domainID: id, update: update)
        }
        return step
    }
}

struct RequireError: Error {}

func require<T>(_ value: T?) throws -> T {
    guard let value else { throw RequireError() }
    return value
}

