// The human output of history, status, reload, update and remove.
import Foundation
import VerifierCore
import VerifierAPIModels

extension HumanFormatter {
    /// The order statuses are listed in, the lifecycle's own (spec §4); others follow alphabetically.
    static let statusOrder = ["not_started", "pending", "verified", "temporary_failure", "failed"]

    /// `domainctl history`: newest first, one line per transition or check.
    public func history(_ entries: [HistoryEntryResponse], domain: String, moreAvailable: Bool) -> String {
        guard !entries.isEmpty else { return "\(domain) has no history yet." }
        let table = TextTable(
            header: ["TIME", "EVENT", "DETAILS"],
            rows: entries.map { [TimeText.annotated($0.at, now: now), $0.object, historyDetails($0)] })
        var lines = table.lines()
        if moreAvailable {
            lines += ["", "Older entries exist: raise --limit to see them."]
        }
        return lines.joined(separator: "\n")
    }

    private func historyDetails(_ entry: HistoryEntryResponse) -> String {
        if entry.object == "transition" {
            var text = "\(entry.from ?? "?") -> \(entry.to ?? "?")"
            if let reason = entry.reason, !reason.isEmpty { text += ": \(reason)" }
            if let checkId = entry.checkId { text += " (check \(checkId))" }
            return text
        }
        var parts: [String] = []
        if let verdict = entry.verdict { parts.append(verdict) }
        if let duration = entry.durationMs { parts.append("\(duration) ms") }
        var text = parts.joined(separator: ", ")
        let records = (entry.records ?? []).map { "\($0.record) \($0.type) \($0.outcome)" }
        if !records.isEmpty { text += (text.isEmpty ? "" : ": ") + records.joined(separator: ", ") }
        let diagnostics = (entry.diagnostics ?? []).map(\.code)
        if !diagnostics.isEmpty { text += "; diagnostics: " + diagnostics.joined(separator: ", ") }
        return text
    }

    /// `domainctl status`: version, uptime, domain counts, load, schedule and resolver.
    public func status(_ status: StatusResponse) -> String {
        // "total" is the daemon's own sum; the other keys are statuses.
        let total = status.domains["total"] ?? status.domains.filter { $0.key != "total" }.values.reduce(0, +)
        let known = Self.statusOrder.filter { status.domains[$0] != nil }
        let others = status.domains.keys.filter { !Self.statusOrder.contains($0) && $0 != "total" }.sorted()
        let counts = (known + others).compactMap { name in
            status.domains[name].flatMap { $0 > 0 ? "\($0) \(name)" : nil }
        }
        var resolver = status.resolver.mode
        if !status.resolver.servers.isEmpty { resolver += " to " + status.resolver.servers.joined(separator: ", ") }
        resolver += ", timeout \(DurationText.format(Double(status.resolver.timeoutMs) / 1000))"
        let lines = ["domain-verifierd \(status.version), up \(Self.uptime(status.uptimeSeconds))"] + keyValues([
            ("Domains", String(total) + (counts.isEmpty ? "" : " (" + counts.joined(separator: ", ") + ")")),
            ("Checks in flight", String(status.checksInFlight)),
            ("Next check", TimeText.annotated(status.nextCheckAt, now: now, absent: "none scheduled")),
            ("Resolver", resolver),
        ])
        return lines.joined(separator: "\n")
    }

    /// "3d 4h", "3h 12m", "5m 3s", "12s": the two largest units.
    static func uptime(_ seconds: Int) -> String {
        let units = [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        guard let first = units.firstIndex(where: { seconds >= $0.1 }) else { return "0s" }
        var rest = seconds
        var parts: [String] = []
        for (suffix, size) in units[first..<min(first + 2, units.count)] {
            parts.append("\(rest / size)\(suffix)")
            rest %= size
        }
        return parts.joined(separator: " ")
    }

    /// `domainctl reload`
    public func reloaded(_ reload: ReloadResponse) -> String {
        reload.changed.isEmpty
            ? "Configuration reloaded; nothing changed."
            : "Configuration reloaded; changed: \(reload.changed.joined(separator: ", "))."
    }

    /// `domainctl update`
    public func updated(_ domain: DomainResponse) -> String {
        "\(domain.name): open tracking \(onOff(domain.openTracking)), click tracking \(onOff(domain.clickTracking))."
    }

    /// `domainctl remove`
    public func removed(_ deleted: DeletedResponse, name: String) -> String {
        "Removed \(name) (id \(deleted.id))."
    }
}
