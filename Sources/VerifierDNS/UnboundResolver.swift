// Asynchronous DNS with libunbound, driven from Dispatch: a read source on ub_fd, one serial queue,
// the daemon's own deadline on every query, and a bound on queries in flight.
import CUnbound
import Dispatch
import Foundation
import VerifierCore

/// Resolves names with libunbound without blocking a thread per query. Every method may be called
/// from any thread; all libunbound calls and every completion happen on `queue`.
public final class UnboundResolver: @unchecked Sendable {
    public let configuration: ResolverConfiguration
    /// The serial queue that owns the libunbound context. Completions run here: keep them short.
    public let queue: DispatchQueue

    // Everything below is touched on `queue` only.
    private let context: OpaquePointer
    private var readSource: DispatchSourceRead?
    private var deadlineTimer: DispatchSourceTimer?
    private var timerArmedFor: DispatchTime?
    private var inFlight = 0
    private var waiting = Deque<Query>()
    private var deadlines = Deque<Query>()
    private var closed = false

    /// Queries answered, timed out and started since creation (for metrics).
    public private(set) var stats = Stats()
    public struct Stats: Sendable {
        public var started = 0
        public var answered = 0
        public var timedOut = 0
    }

    public init(configuration: ResolverConfiguration, label: String = "domain-verifier.dns") throws(ResolverError) {
        self.configuration = configuration
        queue = DispatchQueue(label: label)
        guard let context = ub_ctx_create() else { throw ResolverError("libunbound could not create a context") }
        // From here on deinit runs even when init throws, and deletes the context.
        self.context = context
        Self.configurationLock.lock()
        defer { Self.configurationLock.unlock() }
        try Self.configure(context, configuration)
        let fd = ub_fd(context)
        guard fd >= 0 else { throw ResolverError("libunbound gave no file descriptor to wait on") }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in
            // Delivers every finished query to `answered` through the C callback.
            guard let self else { return }
            ub_process(self.context)
        }
        source.resume()
        readSource = source
    }

    deinit {
        readSource?.cancel()
        deadlineTimer?.cancel()
        ub_ctx_delete(context)
    }

    /// Stops the resolver: queries in flight and waiting complete at once with a failure.
    public func close() {
        queue.sync {
            guard !closed else { return }
            closed = true
            readSource?.cancel()
            deadlineTimer?.cancel()
            while let query = deadlines.popFirst() {
                guard !query.done else { continue }
                ub_cancel(context, query.asyncID)
                query.release()
                finish(query, .failure(query.name, query.type, "the resolver was shut down"))
            }
            while let query = waiting.popFirst() {
                finish(query, .failure(query.name, query.type, "the resolver was shut down"))
            }
        }
    }

    /// Asks for `type` records at `name`; `completion` runs on `queue` exactly once, with an
    /// answer or with a failure (timeout, network, shut down).
    public func resolve(_ name: String, _ type: RecordType, completion: @escaping @Sendable (DNSObservation) -> Void) {
        let query = Query(name: name.trimmingTrailingDot(), type: type, owner: self, completion: completion)
        queue.async { self.submit(query) }
    }

    /// The same as a Swift async call.
    public func resolve(_ name: String, _ type: RecordType) async -> DNSObservation {
        await withCheckedContinuation { continuation in
            resolve(name, type) { continuation.resume(returning: $0) }
        }
    }

    /// Queries in flight and waiting (read on `queue`, or approximately elsewhere).
    public var load: (inFlight: Int, waiting: Int) { (inFlight, waiting.count) }

    /// Must run on `queue`.
    func submit(_ query: Query) {
        dispatchPrecondition(condition: .onQueue(queue))
        if closed {
            finish(query, .failure(query.name, query.type, "the resolver was shut down"))
        } else if inFlight < configuration.maxInFlight {
            start(query)
        } else {
            waiting.append(query)
        }
    }

    private func start(_ query: Query) {
        query.deadline = .now() + configuration.timeout
        let pointer = Unmanaged.passRetained(query).toOpaque()
        var asyncID: Int32 = 0
        let rc = ub_resolve_async(context, query.name.isEmpty ? "." : query.name, Int32(query.type.code), 1,
                                  pointer, { data, error, result in
            // C callback, called from ub_process on the resolver's queue.
            let query = Unmanaged<Query>.fromOpaque(data!).takeRetainedValue()
            query.owner?.answered(query, error: error, result: result)
        }, &asyncID)
        guard rc == 0 else {
            Unmanaged<Query>.fromOpaque(pointer).release()
            finish(query, .failure(query.name, query.type, "libunbound refused the query: \(String(cString: ub_strerror(rc)))"))
            return
        }
        query.asyncID = asyncID
        query.retained = true
        inFlight += 1
        stats.started += 1
        deadlines.append(query)
        armDeadlineTimer()
    }

    private func answered(_ query: Query, error: Int32, result: UnsafeMutablePointer<ub_result>?) {
        query.retained = false
        defer { if let result { ub_resolve_free(result) } }
        guard !query.done else { return }
        inFlight -= 1
        stats.answered += 1
        let observation: DNSObservation
        if error != 0 {
            observation = .failure(query.name, query.type, "resolver error: \(String(cString: ub_strerror(error)))")
        } else if let result {
            observation = UnboundAnswer.observation(query.name, query.type, result.pointee)
        } else {
            observation = .failure(query.name, query.type, "resolver error: no result")
        }
        finish(query, observation)
        startWaiting()
    }

    private func finish(_ query: Query, _ observation: DNSObservation) {
        guard !query.done else { return }
        query.done = true
        query.completion(observation)
    }

    private func startWaiting() {
        while inFlight < configuration.maxInFlight, let next = waiting.popFirst() {
            start(next)
        }
    }

    /// One timer for all deadlines: queries share one timeout, so deadlines come in start order.
    private func armDeadlineTimer() {
        while let head = deadlines.first, head.done { _ = deadlines.popFirst() }
        guard let head = deadlines.first else { return }
        if let armed = timerArmedFor, armed <= head.deadline { return }
        if deadlineTimer == nil {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { [weak self] in self?.expireDeadlines() }
            timer.resume()
            deadlineTimer = timer
        }
        timerArmedFor = head.deadline
        deadlineTimer?.schedule(deadline: head.deadline, leeway: .milliseconds(10))
    }

    private func expireDeadlines() {
        timerArmedFor = nil
        let now = DispatchTime.now()
        var expired = 0
        while let head = deadlines.first, head.done || head.deadline <= now {
            _ = deadlines.popFirst()
            guard !head.done else { continue }
            // libunbound may never answer for a dead upstream: cancel, and the callback will not run.
            ub_cancel(context, head.asyncID)
            head.release()
            inFlight -= 1
            stats.timedOut += 1
            expired += 1
            finish(head, .failure(head.name, head.type, "timeout: no answer within \(DurationText.format(configuration.timeout))"))
        }
        if expired > 0 { startWaiting() }
        armDeadlineTimer()
    }

    /// libunbound's configuration parser keeps global state: contexts are configured one at a time.
    private static let configurationLock = NSLock()

    private static func configure(_ context: OpaquePointer, _ configuration: ResolverConfiguration) throws(ResolverError) {
        func set(_ option: String, _ value: String) throws(ResolverError) {
            let rc = ub_ctx_set_option(context, option + ":", value)
            guard rc == 0 else { throw ResolverError("libunbound refused \(option): \(value): \(String(cString: ub_strerror(rc)))") }
        }
        try set("cache-max-ttl", String(configuration.cacheMaxTTL))
        try set("cache-max-negative-ttl", String(configuration.cacheMaxNegativeTTL))
        try set("num-queries-per-thread", String(max(configuration.maxInFlight * 2, 1024)))
        try set("outgoing-range", String(max(configuration.maxInFlight * 2, 1024)))
        // Keep probing a server that failed so an outage ends as soon as it recovers.
        try set("infra-keep-probing", "yes")
        try set("infra-host-ttl", "60")
        try set("val-log-level", "2")
        try set("prefetch", "no")
        switch configuration.mode {
        case .recursive:
            guard ub_ctx_add_ta_file(context, configuration.trustAnchorFile) == 0 else {
                throw ResolverError("cannot read the DNSSEC trust anchor \(configuration.trustAnchorFile); install dns-root-data")
            }
        case .forward:
            guard !configuration.servers.isEmpty else {
                throw ResolverError("forward mode needs at least one server (ADDR@PORT)")
            }
            try set("do-not-query-localhost", "no")
            try allowSpecialUseNames(context)
            for server in configuration.servers {
                let rc = ub_ctx_set_fwd(context, server)
                guard rc == 0 else {
                    throw ResolverError("\"\(server)\" is not a DNS server address (ADDR or ADDR@PORT): \(String(cString: ub_strerror(rc)))")
                }
            }
        case .system:
            try set("do-not-query-localhost", "no")
            let rc = ub_ctx_resolvconf(context, configuration.resolvConf)
            guard rc == 0 else {
                throw ResolverError("cannot read the system resolvers from \(configuration.resolvConf): \(String(cString: ub_strerror(rc)))")
            }
        }
        let rc = ub_ctx_async(context, 1)
        guard rc == 0 else { throw ResolverError("libunbound cannot run in a thread: \(String(cString: ub_strerror(rc)))") }
    }

    /// libunbound answers NXDOMAIN itself for special-use names (`.test`, `.invalid`, …); forward
    /// mode must pass them upstream. `local-zone: nodefault` only works from a config file.
    private static func allowSpecialUseNames(_ context: OpaquePointer) throws(ResolverError) {
        let zones = ["test", "invalid", "onion", "home.arpa", "localhost", "local", "example"]
        let text = "server:\n" + zones.map { "    local-zone: \"\($0).\" nodefault\n" }.joined()
        var template = Array("/tmp/domain-verifier-unbound.XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw ResolverError("cannot write libunbound's configuration: \(String(cString: strerror(errno)))") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        let written = text.withCString { write(fd, $0, strlen($0)) }
        Glibc.close(fd)
        guard written == text.utf8.count else { throw ResolverError("cannot write libunbound's configuration to \(path)") }
        let rc = ub_ctx_config(context, path)
        guard rc == 0 else { throw ResolverError("libunbound refused its configuration: \(String(cString: ub_strerror(rc)))") }
    }
}

/// One question in flight.
final class Query: @unchecked Sendable {
    let name: String
    let type: RecordType
    weak var owner: UnboundResolver?
    let completion: @Sendable (DNSObservation) -> Void
    var asyncID: Int32 = 0
    var deadline = DispatchTime.now()
    var done = false
    /// Whether libunbound holds a retained reference through the callback's user data.
    var retained = false

    init(name: String, type: RecordType, owner: UnboundResolver, completion: @escaping @Sendable (DNSObservation) -> Void) {
        self.name = name
        self.type = type
        self.owner = owner
        self.completion = completion
    }

    /// Drops the reference libunbound held, after ub_cancel (the callback will not run).
    func release() {
        guard retained else { return }
        retained = false
        Unmanaged.passUnretained(self).release()
    }
}

/// A FIFO with amortised O(1) pops, for queries waiting and deadlines in start order.
struct Deque<Element> {
    private var items: [Element?] = []
    private var head = 0

    var count: Int { items.count - head }
    var first: Element? { head < items.count ? items[head] : nil }

    mutating func append(_ element: Element) { items.append(element) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        items[head] = nil
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }
}
