// Core values to the API's JSON shapes.
import Foundation
import VerifierAPIModels
import VerifierCore
import VerifierStore

enum DomainPresenter {
    static func domain(_ domain: Domain, withRecords: Bool = true) -> DomainResponse {
        DomainResponse(
            id: domain.id.uuidString.lowercased(),
            name: domain.name,
            status: domain.status.rawValue,
            createdAt: APIJSON.timestamp(domain.createdAt),
            region: domain.region,
            customReturnPath: domain.customReturnPath,
            openTracking: domain.openTracking,
            clickTracking: domain.clickTracking,
            dkim: DKIMInfo(selector: domain.dkimSelector, keySize: domain.dkimKeyBits),
            records: withRecords ? domain.records.map { record(domain, $0) } : nil,
            diagnostics: withRecords ? domain.diagnostics.map(diagnostic) : nil,
            verification: VerificationResponse(
                startedAt: domain.state.windowStartedAt.map(APIJSON.timestamp),
                deadlineAt: domain.state.deadlineAt.map(APIJSON.timestamp),
                lastCheckedAt: domain.state.lastCheckedAt.map(APIJSON.timestamp),
                nextCheckAt: domain.nextCheck.map { APIJSON.timestamp($0.at) },
                verifiedAt: domain.state.verifiedAt.map(APIJSON.timestamp)))
    }

    static func record(_ domain: Domain, _ record: DomainRecord) -> RecordResponse {
        RecordResponse(
            record: record.spec.kind.family, name: record.spec.name, fqdn: record.spec.fqdn, type: record.spec.type.rawValue,
            status: record.status(domain: domain.status).rawValue, value: record.spec.value,
            priority: record.spec.priority.map { Int($0) }, required: record.spec.isRequired,
            lastOutcome: record.lastOutcome?.rawValue, observed: record.observed, detail: record.detail,
            lastCheckedAt: record.lastCheckedAt.map(APIJSON.timestamp))
    }

    static func diagnostic(_ diagnostic: Diagnostic) -> DiagnosticResponse {
        DiagnosticResponse(code: diagnostic.code.rawValue, record: diagnostic.record.family, message: diagnostic.message, fix: diagnostic.fix)
    }

    static func history(_ entry: HistoryEntry, records: [RecordSpec]) -> HistoryEntryResponse {
        switch entry {
        case let .transition(transition):
            return HistoryEntryResponse(object: "transition", id: transition.id, cursor: entry.cursor.description,
                                        at: APIJSON.timestamp(transition.at), from: transition.from.rawValue,
                                        to: transition.to.rawValue, reason: transition.reason, checkId: transition.checkID)
        case let .check(check):
            let judged = check.result.records.map { judgement -> CheckRecordResponse in
                let spec = records.first { $0.kind == judgement.kind }
                return CheckRecordResponse(record: judgement.kind.family, type: judgement.kind.type.rawValue,
                                           name: spec?.name ?? judgement.kind.rawValue, outcome: judgement.outcome.rawValue,
                                           observed: judgement.observed, detail: judgement.detail, rcode: judgement.rcode,
                                           cnameChain: judgement.cnameChain)
            }
            return HistoryEntryResponse(object: "check", id: check.id, cursor: entry.cursor.description,
                                        at: APIJSON.timestamp(check.result.startedAt), reason: check.result.reason.rawValue,
                                        durationMs: Int((check.result.duration * 1000).rounded()), verdict: check.verdict.rawValue,
                                        records: judged, diagnostics: check.result.allDiagnostics.map(diagnostic))
        }
    }
}
