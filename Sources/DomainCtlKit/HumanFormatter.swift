// The human output of the domain commands (show, list, records, add, verify): plain text built
// from the API models, with no I/O, so that it can be tested from constructed values.
import Foundation
import VerifierCore
import VerifierAPIModels

/// Turns API answers into the text domainctl prints; `now` anchors the "3h ago" beside each time.
public struct HumanFormatter: Sendable {
    /// The widest value the records table of `show` prints before shortening it with "…".
    public static let tableValueWidth = 48

    public let now: Date

    public init(now: Date) {
        self.now = now
    }

    /// `domainctl show`: summary, verification times, the records table, what was observed, every diagnostic.
    public func show(_ domain: DomainResponse) -> String {
        let summary = [
            ("ID", domain.id),
            ("Status", domain.status),
            ("Region", domain.region),
            ("Return path", domain.customReturnPath),
            ("Open tracking", onOff(domain.openTracking)),
            ("Click tracking", onOff(domain.clickTracking)),
            ("DKIM", "selector \(domain.dkim.selector), RSA \(domain.dkim.keySize) bits"),
            ("Created", TimeText.annotated(domain.createdAt, now: now)),
        ]
        let verification = verificationPairs(domain.verification)
        let width = (summary + verification).map(\.0.count).max() ?? 0
        var lines = [domain.name] + keyValues(summary, keyWidth: width)
        lines += ["", "Verification"] + keyValues(verification, keyWidth: width)
        let records = domain.records ?? []
        lines += ["", "Records"]
        lines += records.isEmpty ? ["  none"] : recordsTable(records, withValues: true)
        lines += observedLines(records)
        lines += ["", "Diagnostics"] + diagnosticLines(domain.diagnostics ?? [])
        return lines.joined(separator: "\n")
    }

    /// `domainctl list`: one line per domain, then how many there are.
    public func list(_ domains: [DomainResponse]) -> String {
        guard !domains.isEmpty else { return "No domains." }
        let table = TextTable(
            header: ["NAME", "STATUS", "REGION", "CREATED", "LAST CHECK", "NEXT CHECK"],
            rows: domains.map { domain in
                [domain.name, domain.status, domain.region, domain.createdAt,
                 TimeText.relativeOnly(domain.verification.lastCheckedAt, now: now),
                 TimeText.relativeOnly(domain.verification.nextCheckAt, now: now)]
            })
        return (table.lines() + ["", counted(domains.count, "domain") + "."]).joined(separator: "\n")
    }

    /// `domainctl records`: every record in full, one block each, for copying into a DNS host's form.
    public func records(_ domain: DomainResponse) -> String {
        let blocks = (domain.records ?? []).map { record in
            var fields = [("Type", record.type), ("Name", record.name), ("FQDN", record.fqdn), ("TTL", record.ttl)]
            if let priority = record.priority { fields.append(("Priority", String(priority))) }
            fields.append(("Value", record.value))
            let heading = "\(record.record) \(record.type) (\(record.required ? "required" : "recommended"))"
            return ([heading] + keyValues(fields)).joined(separator: "\n")
        }
        return blocks.isEmpty ? "\(domain.name) has no records." : blocks.joined(separator: "\n\n")
    }

    /// `domainctl add`: what was created and what to publish.
    public func added(_ domain: DomainResponse) -> String {
        [
            "Added \(domain.name) (id \(domain.id)), status \(domain.status).",
            "Publish these records at the domain's DNS host, then run: domainctl verify \(domain.name)",
            "",
            records(domain),
        ].joined(separator: "\n")
    }

    /// `domainctl verify` without --wait: the status the request left and the schedule.
    public func verifyRequested(_ domain: DomainResponse) -> String {
        (["Verification of \(domain.name) requested: \(domain.status)."] + keyValues(verificationPairs(domain.verification)))
            .joined(separator: "\n")
    }

    /// `domainctl verify --wait`, first line: where the wait starts.
    public func waitStarted(_ domain: DomainResponse, timeout: TimeInterval) -> String {
        "\(domain.name): \(domain.status); waiting up to \(DurationText.format(timeout)) for verified or failed."
    }

    /// `domainctl verify --wait`: one status change.
    public func statusChanged(_ domain: DomainResponse, from previous: String) -> String {
        "\(domain.name): \(previous) -> \(domain.status)"
    }

    /// `domainctl verify --wait` when the domain failed: every record's outcome and the diagnostics.
    public func outcomes(_ domain: DomainResponse) -> String {
        let records = domain.records ?? []
        var lines = recordsTable(records, withValues: false) + observedLines(records)
        if let diagnostics = domain.diagnostics, !diagnostics.isEmpty {
            lines += ["", "Diagnostics"] + diagnosticLines(diagnostics)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Parts

    private func verificationPairs(_ verification: VerificationResponse) -> [(String, String)] {
        [
            ("Started", TimeText.annotated(verification.startedAt, now: now)),
            ("Deadline", TimeText.annotated(verification.deadlineAt, now: now)),
            ("Last check", TimeText.annotated(verification.lastCheckedAt, now: now)),
            ("Next check", TimeText.annotated(verification.nextCheckAt, now: now)),
            ("Verified", TimeText.annotated(verification.verifiedAt, now: now)),
        ]
    }

    private func recordsTable(_ records: [RecordResponse], withValues: Bool) -> [String] {
        var header = ["RECORD", "TYPE", "NAME", "STATUS", "LAST OUTCOME"]
        if withValues { header.append("VALUE") }
        let rows = records.map { record in
            var row = [record.record, record.type, record.name, record.status, record.lastOutcome ?? "-"]
            if withValues {
                let value = record.priority.map { "\($0) \(record.value)" } ?? record.value
                row.append(value.shortened(to: Self.tableValueWidth))
            }
            return row
        }
        var lines = TextTable(header: header, rows: rows).lines().map { "  " + $0 }
        let recommended = records.filter { !$0.required }.map { "\($0.record) \($0.type)" }
        if !recommended.isEmpty {
            lines.append("  Recommended, not required for verification: \(recommended.joined(separator: ", ")).")
        }
        return lines
    }

    /// What the last check found for each record that did not match: observed values or the DNS error.
    private func observedLines(_ records: [RecordResponse]) -> [String] {
        let lines = records.compactMap { record -> String? in
            guard let outcome = record.lastOutcome, outcome != "match" else { return nil }
            var found: [String] = []
            if !record.observed.isEmpty { found.append("found " + record.observed.map { "\"\($0)\"" }.joined(separator: ", ")) }
            if let detail = record.detail, !detail.isEmpty { found.append(detail) }
            guard !found.isEmpty else { return nil }
            return "  \(record.record) \(record.type) \(record.fqdn): \(outcome); \(found.joined(separator: "; "))"
        }
        return lines.isEmpty ? [] : ["", "Last check saw"] + lines
    }

    private func diagnosticLines(_ diagnostics: [DiagnosticResponse]) -> [String] {
        guard !diagnostics.isEmpty else { return ["  none"] }
        return diagnostics.flatMap { diagnostic in
            ["  \(diagnostic.code) (\(diagnostic.record)): \(diagnostic.message)", "    Fix: \(diagnostic.fix)"]
        }
    }

    /// `  Key:   value` lines, values aligned after the longest key, or after `keyWidth` characters.
    func keyValues(_ pairs: [(String, String)], keyWidth: Int = 0) -> [String] {
        let width = max(keyWidth, pairs.map(\.0.count).max() ?? 0) + 1
        return pairs.map { key, value in "  " + (key + ":").padding(toLength: width) + "  " + value }
    }

    func onOff(_ value: Bool) -> String { value ? "on" : "off" }

    /// "1 domain", "3 domains"
    func counted(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
