// What the admin routes do: create, read, change, verify and remove domains, each audited.
import Dispatch
import Foundation
import Logging
import VerifierAPI
import VerifierAPIModels
import VerifierCore
import VerifierKeys
import VerifierNames
import VerifierStore

/// The admin operations, on the store and the scheduler. Methods block (SQLite, key generation):
/// the server runs them on its worker queue, never on its event loop.
final class DomainService: Sendable {
    let store: Store
    let scheduler: Scheduler
    let configuration: ConfigurationBox
    let names: SystemNameServices
    let counts: StatusCounts
    let logger: Logger
    let started: Date
    let clock: any WallClock
    /// RSA key generation takes a fraction of a second: one at a time, so checks keep a core.
    private let keyGeneration = DispatchSemaphore(value: 1)

    init(store: Store, scheduler: Scheduler, configuration: ConfigurationBox, names: SystemNameServices,
         counts: StatusCounts, logger: Logger, clock: any WallClock) {
        self.store = store
        self.counts = counts
        self.scheduler = scheduler
        self.configuration = configuration
        self.names = names
        self.logger = logger
        self.clock = clock
        started = clock.now()
    }

    // MARK: Domains

    func create(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let body = try JSONBody(request.body, allowed: ["name", "region", "custom_return_path", "open_tracking",
                                                        "click_tracking", "dkim_key_size"])
        let config = configuration.current
        let rules = DomainNameRules(services: names, denyList: config.denyList, regions: config.regions)
        guard let rawName = try body.string("name") else {
            throw APIError(.validationError, "name is required, for example {\"name\": \"example.com\"}")
        }
        let name = try validated { () throws(ValidationError) in try rules.normalizeName(rawName) }
        let defaultRegion = config.regions.contains("us-east-1") ? "us-east-1" : config.regions[0]
        let region = try validated { () throws(ValidationError) in try rules.validateRegion(try body.stringForValidation("region") ?? defaultRegion) }
        let returnPath = try validated { () throws(ValidationError) in
            try rules.normalizeReturnPath(try body.stringForValidation("custom_return_path") ?? "send", domain: name)
        }
        let keySize = try body.integer("dkim_key_size") ?? config.dkimKeySize
        guard DKIMKeyPair.allowedSizes.contains(keySize) else {
            throw APIError(.validationError, "dkim_key_size must be 1024 or 2048, not \(keySize); use 1024 only for DNS hosts that cannot publish long TXT records")
        }
        let openTracking = try body.bool("open_tracking") ?? false
        let clickTracking = try body.bool("click_tracking") ?? false
        if try stored({ () throws(StoreError) in try store.domain(name: name) }) != nil {
            throw APIError(.conflict, "a domain named \(name) already exists")
        }
        let key: DKIMKeyPair
        keyGeneration.wait()
        do {
            key = try DKIMKeyPair.generate(bits: keySize)
            keyGeneration.signal()
        } catch {
            keyGeneration.signal()
            throw APIError(.internalError, "the DKIM key could not be generated: \(error.message)")
        }
        let now = clock.now()
        let inputs = DomainRecordInputs(name: name, region: region, returnPath: returnPath,
                                        dkimPublicKey: key.publicKeyBase64, dkimSelector: config.dkimSelector)
        let new = NewDomain(name: name, region: region, customReturnPath: returnPath, openTracking: openTracking,
                            clickTracking: clickTracking, dkimSelector: config.dkimSelector, dkimKeyBits: keySize,
                            dkimPublicKey: key.publicKeyBase64, dkimPrivateKeyPEM: key.privateKeyPEM,
                            records: config.recordPolicy.records(for: inputs), createdAt: now)
        let domain = try stored { () throws(StoreError) in try store.createDomain(new, audit: audit(request, "domain.create", name: name, id: new.id)) }
        counts.added()
        logger.info("Domain \(name) added (region \(region), return path \(returnPath), RSA \(keySize)).",
                    metadata: ["domain": "\(name)", "domain_id": "\(new.id.uuidString.lowercased())"])
        return .json(201, DomainPresenter.domain(domain))
    }

    func list(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let limit = try limitParameter(request, default: 20)
        var after: UUID?
        if let text = request.query["after"] {
            guard let id = UUID(uuidString: text) else { throw APIError(.validationError, "after must be a domain id (a UUID)") }
            after = id
        }
        var status: DomainStatus?
        if let text = request.query["status"] {
            guard let value = DomainStatus(rawValue: text) else {
                throw APIError(.validationError, "status must be one of \(DomainStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = value
        }
        let page = try stored { () throws(StoreError) in try store.listDomains(limit: limit, after: after, status: status, withRecords: false) }
        return .json(200, ListResponse(hasMore: page.hasMore, data: page.items.map { DomainPresenter.domain($0, withRecords: false) }))
    }

    func get(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        .json(200, DomainPresenter.domain(try find(request.parameters[0])))
    }

    func update(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let domain = try find(request.parameters[0])
        let body = try JSONBody(request.body, allowed: ["open_tracking", "click_tracking"])
        let open = try body.bool("open_tracking")
        let click = try body.bool("click_tracking")
        guard open != nil || click != nil else {
            throw APIError(.validationError, "nothing to update: give open_tracking and/or click_tracking")
        }
        let updated = try stored { () throws(StoreError) in
            try store.updateTracking(id: domain.id, openTracking: open, clickTracking: click,
                                     audit: audit(request, "domain.update", name: domain.name, id: domain.id,
                                                  detail: [open.map { "open_tracking=\($0)" }, click.map { "click_tracking=\($0)" }].compactMap { $0 }.joined(separator: " ")))
        }
        guard let updated else { throw APIError(.notFound, "the domain \(domain.name) was removed meanwhile") }
        return .json(200, DomainPresenter.domain(updated))
    }

    func verify(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let domain = try find(request.parameters[0])
        let done = DispatchSemaphore(value: 0)
        let box = OutcomeBox()
        scheduler.verify(domain.id, audit: audit(request, "domain.verify", name: domain.name, id: domain.id)) { outcome in
            box.outcome = outcome
            done.signal()
        }
        done.wait()
        switch box.outcome {
        case let .accepted(updated)?:
            return .json(200, DomainPresenter.domain(updated))
        case .notFound?, nil:
            throw APIError(.notFound, "the domain \(domain.name) was removed meanwhile")
        case let .rateLimited(retryAfter)?:
            throw APIError(.rateLimited, "verify was requested for \(domain.name) less than \(DurationText.format(configuration.current.verifyMinInterval)) ago; retry in \(retryAfter) s",
                           headers: [("Retry-After", String(retryAfter))])
        case let .failed(error)?:
            throw storeError(error)
        }
    }

    func delete(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let domain = try find(request.parameters[0])
        let deleted = try stored { () throws(StoreError) in
            try store.deleteDomain(id: domain.id, audit: audit(request, "domain.delete", name: domain.name, id: domain.id))
        }
        guard deleted else { throw APIError(.notFound, "the domain \(domain.name) was removed meanwhile") }
        scheduler.removed(domain.id)
        counts.removed(domain.status)
        logger.info("Domain \(domain.name) removed.", metadata: ["domain": "\(domain.name)", "domain_id": "\(domain.id.uuidString.lowercased())"])
        return .json(200, DeletedResponse(id: domain.id.uuidString.lowercased()))
    }

    func history(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let domain = try find(request.parameters[0])
        let limit = try limitParameter(request, default: 20)
        var after: HistoryCursor?
        if let text = request.query["after"] {
            guard let cursor = HistoryCursor(text) else {
                throw APIError(.validationError, "after must be a history cursor as returned in an entry's \"cursor\" field")
            }
            after = cursor
        }
        let page = try stored { () throws(StoreError) in try store.history(domainID: domain.id, limit: limit, before: after) }
        let specs = domain.records.map(\.spec)
        return .json(200, ListResponse(hasMore: page.hasMore, data: page.items.map { DomainPresenter.history($0, records: specs) }))
    }

    func zone(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let domain = try find(request.parameters[0])
        return .text(200, ZoneFile.render(domain.records.map(\.spec), domain: domain.name))
    }

    func privateKey(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let domain = try find(request.parameters[0])
        let pem = try stored { () throws(StoreError) in
            try store.dkimPrivateKey(id: domain.id, audit: audit(request, "dkim.export", name: domain.name, id: domain.id))
        }
        guard let pem else { throw APIError(.notFound, "the domain \(domain.name) was removed meanwhile") }
        logger.notice("DKIM private key of \(domain.name) exported to uid \(request.peer.uid) (pid \(request.peer.pid)).",
                      metadata: ["domain": "\(domain.name)", "domain_id": "\(domain.id.uuidString.lowercased())"])
        return .text(200, pem)
    }

    // MARK: The daemon

    func status(_ request: RouteRequest) throws(APIError) -> AdminResponse {
        let counts = try stored { () throws(StoreError) in try store.countsByStatus() }
        let snapshot = scheduler.snapshot()
        let config = configuration.current
        var domains = Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) })
        domains["total"] = counts.values.reduce(0, +)
        return .json(200, StatusResponse(
            version: Version.string, uptimeSeconds: Int(clock.now().timeIntervalSince(started)), domains: domains,
            checksInFlight: snapshot.inFlight, nextCheckAt: snapshot.nextDue.map(APIJSON.timestamp),
            resolver: ResolverStatus(mode: config.resolver.mode.rawValue, servers: config.resolver.servers,
                                     timeoutMs: Int(config.resolver.timeout * 1000))))
    }

    func metrics(_ request: RouteRequest, _ metrics: Metrics) throws(APIError) -> AdminResponse {
        let counts = try stored { () throws(StoreError) in try store.countsByStatus() }
        let snapshot = scheduler.snapshot()
        return .text(200, metrics.render(domains: counts, inFlight: snapshot.inFlight, scheduled: snapshot.scheduled,
                                         uptime: clock.now().timeIntervalSince(started)),
                     contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    // MARK: Helpers

    /// The domain named by a path segment: an id, or a name in any spelling (U-label, upper case, trailing dot).
    func find(_ idOrName: String) throws(APIError) -> Domain {
        if let id = UUID(uuidString: idOrName) {
            if let domain = try stored({ () throws(StoreError) in try store.domain(id: id) }) { return domain }
        } else if let name = try? DomainNameRules.normalizeSyntax(idOrName, services: names, field: "name"),
                  let domain = try stored({ () throws(StoreError) in try store.domain(name: name) }) {
            return domain
        }
        throw APIError(.notFound, "there is no domain \(idOrName.prefix(253)); list them with GET /domains")
    }

    func audit(_ request: RouteRequest, _ action: String, name: String? = nil, id: UUID? = nil, detail: String? = nil) -> AuditEntry {
        AuditEntry(at: clock.now(), peerUID: request.peer.uid, peerPID: request.peer.pid, action: action,
                   domainID: id, domainName: name, allowed: true, detail: detail)
    }

    private func limitParameter(_ request: RouteRequest, default value: Int) throws(APIError) -> Int {
        guard let text = request.query["limit"] else { return value }
        guard let limit = Int(text), (1...100).contains(limit) else {
            throw APIError(.validationError, "limit must be a whole number from 1 to 100, not \"\(text.prefix(20))\"")
        }
        return limit
    }

    private func validated<T>(_ body: () throws(ValidationError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw APIError(.validationError, error.message)
        }
    }

    func stored<T>(_ body: () throws(StoreError) -> T) throws(APIError) -> T {
        do {
            return try body()
        } catch {
            throw storeError(error)
        }
    }

    private func storeError(_ error: StoreError) -> APIError {
        switch error.kind {
        case .conflict: return APIError(.conflict, error.message)
        case .diskFull: return APIError(.serviceUnavailable, error.message)
        default:
            logger.error("Store failure: \(error.message)")
            return APIError(.internalError, error.message)
        }
    }
}

/// Carries a verify outcome from the scheduler's queue to the waiting worker.
private final class OutcomeBox: @unchecked Sendable {
    var outcome: VerifyOutcome?
}

private extension JSONBody {
    /// A string field whose type error is a validation error of the same field.
    func stringForValidation(_ key: String) throws(ValidationError) -> String? {
        do {
            return try string(key)
        } catch {
            throw ValidationError(field: key, error.message)
        }
    }
}
