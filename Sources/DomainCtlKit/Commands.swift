// What each domainctl command does: which API calls, in which order, and what it prints.
import Foundation
import VerifierCore
import VerifierAPIModels

/// The commands of spec §10, independent of how the command line was parsed.
public struct Commands: Sendable {
    public let client: AdminClient
    /// Print the daemon's JSON instead of tables.
    public let json: Bool
    public let clock: any CommandClock
    /// Writes one piece of output to stdout, followed by a newline.
    public let output: @Sendable (String) -> Void

    public init(client: AdminClient, json: Bool, clock: any CommandClock = SystemClock(), output: @escaping @Sendable (String) -> Void) {
        self.client = client
        self.json = json
        self.clock = clock
        self.output = output
    }

    private var formatter: HumanFormatter { HumanFormatter(now: clock.now()) }

    public func add(_ request: CreateDomainRequest) throws {
        let answer = try client.createDomain(request)
        output(json ? JSONText.pretty(answer.body) : formatter.added(answer.value))
    }

    /// Every domain, following `has_more` from page to page.
    public func list(status: String?) throws {
        var pages: [Data] = []
        var domains: [DomainResponse] = []
        var after: String?
        while true {
            let page = try client.listDomains(limit: AdminClient.maxPageSize, after: after, status: status)
            pages.append(page.body)
            domains += page.value.data
            // A page that says "more" but brings nothing would loop forever.
            guard page.value.hasMore, let last = page.value.data.last, last.id != after else { break }
            after = last.id
        }
        output(json ? JSONText.pretty(JSONText.joinedList(pages, hasMore: false)) : formatter.list(domains))
    }

    public func show(_ name: String) throws {
        let answer = try client.domain(name)
        output(json ? JSONText.pretty(answer.body) : formatter.show(answer.value))
    }

    /// The records in full, or with `zone` the daemon's zone-file text unchanged.
    public func records(_ name: String, zone: Bool) throws {
        if zone {
            let text = try client.zone(name)
            output(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            return
        }
        let answer = try client.domain(name)
        output(json ? JSONText.pretty(answer.body) : formatter.records(answer.value))
    }

    public func verify(_ name: String) throws {
        let answer = try client.verify(name)
        output(json ? JSONText.pretty(answer.body) : formatter.verifyRequested(answer.value))
    }

    /// Requests verification, then polls the domain about every `pollInterval` seconds, printing
    /// each status change, until it is verified (returns), failed or `timeout` passed (throws).
    public func verifyAndWait(_ name: String, timeout: TimeInterval, pollInterval: TimeInterval = 1) throws {
        let started = clock.now()
        var current = try client.verify(name)
        if !json { output(formatter.waitStarted(current.value, timeout: timeout)) }
        while true {
            switch current.value.status {
            case "verified":
                if json { output(JSONText.pretty(current.body)) }
                return
            case "failed":
                output(json ? JSONText.pretty(current.body) : formatter.outcomes(current.value))
                throw CommandError(.failure, "\(current.value.name) failed verification.")
            default:
                break
            }
            let elapsed = clock.now().timeIntervalSince(started)
            guard elapsed < timeout else {
                if json { output(JSONText.pretty(current.body)) }
                let deadline = current.value.verification.deadlineAt.map { ", until \(TimeText.annotated($0, now: clock.now()))" } ?? ""
                throw CommandError(.failure, "gave up waiting after \(DurationText.format(timeout)): \(current.value.name) is still "
                    + "\(current.value.status); domain-verifierd goes on checking it\(deadline).")
            }
            clock.sleep(min(pollInterval, timeout - elapsed))
            let next = try client.domain(current.value.id)
            if next.value.status != current.value.status && !json {
                output(formatter.statusChanged(next.value, from: current.value.status))
            }
            current = next
        }
    }

    public func update(_ name: String, openTracking: Bool?, clickTracking: Bool?) throws {
        let answer = try client.updateDomain(name, UpdateDomainRequest(openTracking: openTracking, clickTracking: clickTracking))
        output(json ? JSONText.pretty(answer.body) : formatter.updated(answer.value))
    }

    public func remove(_ name: String) throws {
        let answer = try client.deleteDomain(name)
        output(json ? JSONText.pretty(answer.body) : formatter.removed(answer.value, name: name))
    }

    /// The `limit` newest entries, fetched in pages of at most 100.
    public func history(_ name: String, limit: Int) throws {
        var pages: [Data] = []
        var entries: [HistoryEntryResponse] = []
        var after: String?
        var serverHasMore = false
        repeat {
            let page = try client.history(name, limit: min(limit - entries.count, AdminClient.maxPageSize), after: after)
            pages.append(page.body)
            entries += page.value.data
            serverHasMore = page.value.hasMore
            guard let last = page.value.data.last, last.cursor != after else { break }
            after = last.cursor
        } while serverHasMore && entries.count < limit
        let moreAvailable = serverHasMore || entries.count > limit
        if json {
            output(JSONText.pretty(JSONText.joinedList(pages, limit: limit, hasMore: moreAvailable)))
        } else {
            output(formatter.history(Array(entries.prefix(limit)), domain: name, moreAvailable: moreAvailable))
        }
    }

    public func status() throws {
        let answer = try client.status()
        output(json ? JSONText.pretty(answer.body) : formatter.status(answer.value))
    }

    /// Exits non-zero when the daemon says it did not reload, so that `systemctl reload` reports it.
    public func reload() throws {
        let answer = try client.reload()
        if json { output(JSONText.pretty(answer.body)) }
        guard answer.value.reloaded else {
            throw CommandError(.failure, "domain-verifierd did not reload its configuration and keeps the old one; its log says why.")
        }
        if !json { output(formatter.reloaded(answer.value)) }
    }
}
