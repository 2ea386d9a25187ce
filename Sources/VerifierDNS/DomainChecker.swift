// One domain check: every query a domain needs, issued concurrently, judged into one CheckResult.
import Dispatch
import Foundation
import VerifierCore

/// What to check: a domain and the records it must publish.
public struct CheckTarget: Sendable {
    public var domain: String
    public var records: [RecordSpec]

    public init(domain: String, records: [RecordSpec]) {
        self.domain = domain
        self.records = records
    }
}

/// Checks domains through an `UnboundResolver`: the records, the doubled-suffix probes for records
/// that are missing, and the SPF records at the apex and the return path with their includes, for
/// the lookup count. All of a check's work runs on the resolver's queue.
public final class DomainChecker: Sendable {
    public let resolver: UnboundResolver

    public init(resolver: UnboundResolver) {
        self.resolver = resolver
    }

    /// Checks `target`; `completion` runs once on the resolver's queue with the result.
    /// `startedAt` is the wall-clock time to record; the duration is measured on the monotonic clock.
    public func check(_ target: CheckTarget, reason: CheckReason, startedAt: Date,
                      completion: @escaping @Sendable (CheckResult) -> Void) {
        let run = CheckRun(target: target, reason: reason, startedAt: startedAt, resolver: resolver, completion: completion)
        resolver.queue.async { run.start() }
    }

    /// The same as a Swift async call.
    public func check(_ target: CheckTarget, reason: CheckReason, startedAt: Date) async -> CheckResult {
        await withCheckedContinuation { continuation in
            check(target, reason: reason, startedAt: startedAt) { continuation.resume(returning: $0) }
        }
    }
}

/// The state of one check in progress; touched on the resolver's queue only.
private final class CheckRun: @unchecked Sendable {
    let target: CheckTarget
    let reason: CheckReason
    let startedAt: Date
    let began = DispatchTime.now()
    let resolver: UnboundResolver
    let completion: @Sendable (CheckResult) -> Void

    var outstanding = 0
    var judgements: [RecordKind: RecordJudgement] = [:]
    /// SPF records whose lookups are counted: (where it is published, the record).
    var spfRoots: [(name: String, record: SPFRecord)] = []
    var spfFetched: [String: SPFFetch] = [:]
    var spfRequested = Set<String>()

    init(target: CheckTarget, reason: CheckReason, startedAt: Date, resolver: UnboundResolver,
         completion: @escaping @Sendable (CheckResult) -> Void) {
        self.target = target
        self.reason = reason
        self.startedAt = startedAt
        self.resolver = resolver
        self.completion = completion
    }

    func start() {
        for spec in target.records {
            ask(spec.fqdn, spec.type) { answer in self.recordAnswered(spec, answer) }
        }
        // The apex SPF record is not required, but its lookup count is diagnosed.
        ask(target.domain, .txt) { answer in
            if let record = Self.singleSPF(answer) { self.addSPFRoot(self.target.domain, record) }
        }
    }

    private func ask(_ name: String, _ type: RecordType, _ handle: @escaping @Sendable (DNSObservation) -> Void) {
        outstanding += 1
        resolver.resolve(name, type) { [self] answer in
            handle(answer)
            outstanding -= 1
            if outstanding == 0 { finish() }
        }
    }

    private func recordAnswered(_ spec: RecordSpec, _ answer: DNSObservation) {
        let judgement = RecordJudge.judge(spec, answer: answer, domain: target.domain)
        judgements[spec.kind] = judgement
        if spec.kind == .spfTXT, let record = Self.singleSPF(answer) {
            addSPFRoot(spec.fqdn, record)
        }
        // A record that is definitively missing may sit at name.domain.domain: ask there too.
        if judgement.outcome != .match && judgement.outcome.isDefinitive {
            ask(spec.fqdn + "." + target.domain, spec.type) { probe in
                self.judgements[spec.kind] = RecordJudge.judge(spec, answer: answer, domain: self.target.domain, doubledProbe: probe)
            }
        }
    }

    private func addSPFRoot(_ name: String, _ record: SPFRecord) {
        spfRoots.append((name, record))
        fetchUnresolvedSPF()
    }

    /// Asks for the SPF records the lookup counts still need; each answer may reveal more.
    private func fetchUnresolvedSPF() {
        for root in spfRoots {
            let report = SPFLookupCount.count(root: root.record, fetched: spfFetched)
            for name in report.unresolved where spfRequested.insert(name).inserted {
                ask(name, .txt) { answer in
                    self.spfFetched[name] = Self.spfFetch(answer)
                    self.fetchUnresolvedSPF()
                }
            }
        }
    }

    private func finish() {
        var diagnostics: [Diagnostic] = []
        var tallies: [SPFLookupTally] = []
        for root in spfRoots {
            let report = SPFLookupCount.count(root: root.record, fetched: spfFetched)
            tallies.append(SPFLookupTally(name: root.name, lookups: report.lookups, incomplete: report.incomplete))
            if let diagnostic = RecordJudge.lookupLimitDiagnostic(report, at: root.name) {
                diagnostics.append(diagnostic)
            }
        }
        let records = target.records.compactMap { judgements[$0.kind] }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e9
        completion(CheckResult(startedAt: startedAt, duration: elapsed, reason: reason, records: records,
                               diagnostics: diagnostics, spfLookups: tallies))
    }

    /// The one SPF record in an answer, or nil when there is none, several, or it does not parse.
    static func singleSPF(_ answer: DNSObservation) -> SPFRecord? {
        guard answer.errorDetail == nil else { return nil }
        let candidates = answer.txt.map(\.text).filter(SPFRecord.isSPF)
        guard candidates.count == 1 else { return nil }
        return try? SPFRecord.parse(candidates[0])
    }

    static func spfFetch(_ answer: DNSObservation) -> SPFFetch {
        if let error = answer.errorDetail { return .error(error) }
        let candidates = answer.txt.map(\.text).filter(SPFRecord.isSPF)
        switch candidates.count {
        case 0: return .none
        case 1:
            do {
                return .record(try SPFRecord.parse(candidates[0]))
            } catch {
                return .invalid(error.reason)
            }
        default: return .multiple
        }
    }
}
