// Runs the real domain-verifierd for one test: a temp state dir, its socket, a shared Knot, curl over the socket.
import Foundation
import Testing
import TestSupport

/// The Knot server every end-to-end test publishes into: it serves `e2e.test` (and the root).
enum E2EDNS {
    static let zone = "e2e.test"

    private static let started = Result { try KnotServer(zones: [zone: ""]) }

    /// The shared server, started on first use (on a Dispatch thread: starting it blocks).
    /// A watchdog child stops knotd when the test process goes away.
    static func knot() async throws -> KnotServer {
        try await onThread { try started.get() }
    }
}

/// A failure of the harness itself, with the evidence (the daemon's log, curl's output).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension HTTPAnswer {
    func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try Wire.decoder.decode(T.self, from: body)
        } catch {
            throw HarnessError("cannot read \(T.self) from \(self): \(error)")
        }
    }
}

/// How a stopped daemon ended.
enum ProcessEnd: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    var description: String {
        switch self {
        case let .exited(code): "exit status \(code)"
        case let .signalled(signal): "signal \(signal)"
        }
    }
}

/// One domain-verifierd process (and its restarts) on one state directory, driven through its socket.
final class DaemonHarness: @unchecked Sendable {
    /// Holds the state directory, the socket, the log and any config file; 0755 so that another uid can reach the socket.
    let directory: TemporaryDirectory
    /// Created by the daemon itself (it must make it 0700).
    let stateDir: String
    let socketPath: String
    let logPath: String
    var databasePath: String { stateDir + "/domain-verifier.sqlite" }
    let arguments: [String]
    let knot: KnotServer

    private let lock = NSLock()
    private var process: ChildProcess?
    private var watchdog: ChildProcess?
    private var watchdogPipe: Pipe?

    /// Short timers for tests; `overrides` (flag → value) replace or add to them.
    static func defaultFlags(knot: KnotServer) -> [String: String] {
        [
            "dns-server": knot.address,
            "dns-timeout": "2s",
            "pending-intervals": "1s",
            "recheck-interval": "1s",
            "temporary-failure-interval": "1s",
            "confirm-delay": "3s",
            "pending-timeout": "120s",
            "temporary-failure-timeout": "120s",
            "dns-error-grace": "120s",
            "verify-min-interval": "0s",
            "startup-spread": "1s",
            "log-level": "debug",
        ]
    }

    /// Starts a daemon and waits until it answers `GET /status`.
    /// `flags` override the defaults (a nil value drops a default); `extra` are appended as is.
    static func start(_ flags: [String: String?] = [:], extra: [String] = [], config: String? = nil) async throws -> DaemonHarness {
        let daemon = try await prepare(flags, extra: extra, config: config)
        try await daemon.launch()
        return daemon
    }

    /// A daemon ready to `launch`, for tests that set up its state directory first.
    static func prepare(_ flags: [String: String?] = [:], extra: [String] = [], config: String? = nil) async throws -> DaemonHarness {
        try DaemonHarness(knot: try await E2EDNS.knot(), flags: flags, extra: extra, config: config)
    }

    private init(knot: KnotServer, flags: [String: String?], extra: [String], config: String?) throws {
        self.knot = knot
        directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)
        stateDir = directory.path + "/state"
        socketPath = directory.path + "/admin.sock"
        logPath = directory.path + "/daemon.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var merged = Self.defaultFlags(knot: knot)
        for (key, value) in flags { merged[key] = value }
        var arguments = ["--state-dir", stateDir, "--socket", socketPath]
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { arguments += ["--\(key)", value] }
        if let config {
            let path = directory.path + "/domain-verifierd.toml"
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            arguments += ["--config", path]
        }
        self.arguments = arguments + extra
    }

    deinit { kill9() }

    /// Added to the daemon's environment at its next launch (a preloaded libfaketime, say).
    var environment: [String: String] {
        get { lock.withLock { extraEnvironment } }
        set { lock.withLock { extraEnvironment = newValue } }
    }
    private var extraEnvironment: [String: String] = [:]

    var configPath: String { directory.path + "/domain-verifierd.toml" }

    /// The daemon's stderr, over all its runs.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var processID: Int32? { lock.withLock { process?.processID } }

    // MARK: Life cycle

    /// Starts the binary (again) on the same state directory and waits until `GET /status` answers.
    func launch(readyWithin seconds: TimeInterval = 20) async throws {
        let process = try spawn(arguments)
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if !process.isRunning {
                throw HarnessError("domain-verifierd exited while starting (\(Self.end(of: process))):\n\(log)")
            }
            if FileManager.default.fileExists(atPath: socketPath),
               let answer = try? await curl("GET", "/status", timeout: 2), answer.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill9()
        throw HarnessError("domain-verifierd did not answer GET /status within \(Int(seconds)) s:\n\(log)")
    }

    /// Starts the binary with `arguments`, stderr and stdout appended to the log, under a watchdog
    /// that kills it if the test process dies first. Both through ChildProcess (posix_spawn): the
    /// daemon must not inherit another child's descriptors and hold them for its whole life.
    private func spawn(_ arguments: [String]) throws -> ChildProcess {
        let binary = try Self.binary("domain-verifierd")
        guard let output = FileHandle(forWritingAtPath: logPath) else { throw HarnessError("cannot open \(logPath)") }
        defer { try? output.close() }
        output.seekToEndOfFile()
        let process = try ChildProcess(binary, arguments, stdout: output, stderr: output, environment: environment)
        let pipe = Pipe()
        let watchdog = try? ChildProcess("/bin/sh", ["-c", "read _; kill -KILL \(process.processID) 2>/dev/null"], stdin: pipe)
        lock.withLock {
            self.process = process
            self.watchdog = watchdog
            self.watchdogPipe = pipe
        }
        return process
    }

    /// Sends `signal` and waits (bounded) until the process is gone; returns how it ended.
    @discardableResult
    func stop(_ signal: Int32 = SIGTERM, within seconds: TimeInterval = 15) async throws -> ProcessEnd {
        guard let process = lock.withLock({ process }) else { throw HarnessError("no daemon is running") }
        if process.isRunning { kill(process.processID, signal) }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning {
            if Date() > deadline {
                kill9()
                throw HarnessError("domain-verifierd did not exit within \(Int(seconds)) s of signal \(signal):\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        retireWatchdog()
        lock.withLock { self.process = nil }
        return Self.end(of: process)
    }

    /// Waits (bounded) for the daemon to exit by itself; returns how it ended.
    func waitForExit(within seconds: TimeInterval) async throws -> ProcessEnd {
        guard let process = lock.withLock({ process }) else { throw HarnessError("no daemon is running") }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while process.isRunning {
            if Date() > deadline { throw HarnessError("domain-verifierd still runs after \(Int(seconds)) s:\n\(log.suffix(3000))") }
            try await Task.sleep(for: .milliseconds(20))
        }
        retireWatchdog()
        lock.withLock { self.process = nil }
        return Self.end(of: process)
    }

    /// Starts the binary for a start-up that must fail, and waits for its exit.
    func launchExpectingExit(within seconds: TimeInterval = 20) async throws -> ProcessEnd {
        _ = try spawn(arguments)
        return try await waitForExit(within: seconds)
    }

    /// SIGKILL, for crash tests and cleanup; returns once the process is reaped. Idempotent.
    func kill9() {
        let process = lock.withLock { () -> ChildProcess? in
            defer { self.process = nil }
            return self.process
        }
        retireWatchdog()
        guard let process else { return }
        if process.isRunning { kill(process.processID, SIGKILL) }
        process.wait()
    }

    /// Stops the watchdog without letting it fire (it would signal a pid that may be reused).
    private func retireWatchdog() {
        let (watchdog, pipe) = lock.withLock { () -> (ChildProcess?, Pipe?) in
            defer {
                self.watchdog = nil
                self.watchdogPipe = nil
            }
            return (self.watchdog, self.watchdogPipe)
        }
        guard let watchdog else { return }
        if watchdog.isRunning { kill(watchdog.processID, SIGKILL) }
        watchdog.wait()
        try? pipe?.fileHandleForWriting.close()
    }

    private static func end(of process: ChildProcess) -> ProcessEnd {
        switch process.wait() {
        case let .exited(code): .exited(code)
        case let .signalled(signal): .signalled(signal)
        }
    }

    /// A binary built next to the test bundle (the same scratch path), whatever that path is.
    /// `DV_BINARIES` (a directory) wins: the sanitizer runs test a daemon built with AddressSanitizer
    /// from a test process built without it.
    static func binary(_ name: String) throws -> String {
        var candidates = [Bundle.main.bundlePath, (Bundle.main.bundlePath as NSString).deletingLastPathComponent]
        if let override = ProcessInfo.processInfo.environment["DV_BINARIES"] { candidates.insert(override, at: 0) }
        if let argument = ProcessInfo.processInfo.arguments.first {
            candidates.append((argument as NSString).deletingLastPathComponent)
        }
        candidates.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path)
        for directory in candidates where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw HarnessError("no \(name) next to the test bundle (looked in \(candidates)); build with swift build --build-tests")
    }

    // MARK: HTTP over the socket

    /// One request with curl; `asUID` runs curl as that uid with group `gid` and no supplementary groups.
    func curl(_ method: String, _ path: String, body: String? = nil, headers: [String] = [], chunked: Bool = false,
              asUID uid: Int? = nil, gid: Int = 0, timeout: Int = 20) async throws -> HTTPAnswer {
        var arguments = ["-q", "-sS", "-i", "--max-time", String(timeout), "--unix-socket", socketPath, "-X", method,
                         "-H", "Expect:"]
        for header in headers { arguments += ["-H", header] }
        var bodyFile: String?
        if let body {
            arguments += ["-H", "Content-Type: application/json"]
            if chunked { arguments += ["-H", "Transfer-Encoding: chunked"] }
            if body.utf8.count > 8000 || chunked {
                let file = directory.path + "/body-\(UUID().uuidString)"
                try Data(body.utf8).write(to: URL(fileURLWithPath: file))
                chmod(file, 0o644)
                bodyFile = file
                arguments += ["--data-binary", "@" + file]
            } else {
                arguments += ["--data-raw", body]
            }
        }
        defer { if let bodyFile { try? FileManager.default.removeItem(atPath: bodyFile) } }
        arguments.append("http://localhost" + path)
        var executable = "/usr/bin/curl"
        if let uid {
            arguments = ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", executable] + arguments
            executable = "/usr/bin/setpriv"
        }
        let result = try await Subprocess.run(executable, arguments)
        guard result.status == 0 else {
            throw HarnessError("curl \(method) \(path) failed (\(result.status)): \(result.stderr)")
        }
        return try Self.parse(result.stdout, request: "\(method) \(path)")
    }

    /// Splits curl -i output into the last status line's code, its headers, and the body.
    private static func parse(_ output: Data, request: String) throws -> HTTPAnswer {
        let separator = Data("\r\n\r\n".utf8)
        var rest = output[...]
        while true {
            guard let end = rest.range(of: separator) else {
                throw HarnessError("\(request): no HTTP head in curl's output: \(String(decoding: output, as: UTF8.self).prefix(400))")
            }
            guard let (status, headers) = HTTPAnswer.head(rest[rest.startIndex..<end.lowerBound]) else {
                throw HarnessError("\(request): bad status line in \(String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self))")
            }
            rest = rest[end.upperBound...]
            if status == 100 { continue }
            return HTTPAnswer(status: status, headers: headers, body: Data(rest))
        }
    }

    // MARK: Domains

    /// Creates a domain; expects 201.
    func create(_ name: String, extra: String = "") async throws -> DomainJSON {
        let answer = try await curl("POST", "/domains", body: #"{"name":"\#(name)"\#(extra)}"#)
        guard answer.status == 201 else { throw HarnessError("POST /domains \(name): \(answer)") }
        return try answer.decode()
    }

    func domain(_ idOrName: String) async throws -> DomainJSON {
        let answer = try await curl("GET", "/domains/" + Wire.pathSegment(idOrName))
        guard answer.status == 200 else { throw HarnessError("GET /domains/\(idOrName): \(answer)") }
        return try answer.decode()
    }

    /// Requests verification; expects 200.
    @discardableResult
    func verify(_ idOrName: String) async throws -> DomainJSON {
        let answer = try await curl("POST", "/domains/\(Wire.pathSegment(idOrName))/verify")
        guard answer.status == 200 else { throw HarnessError("POST verify \(idOrName): \(answer)") }
        return try answer.decode()
    }

    /// The whole history, oldest first (the API pages it newest first).
    func history(_ idOrName: String) async throws -> [HistoryEntryJSON] {
        var entries: [HistoryEntryJSON] = []
        var after: String?
        for _ in 0..<100 {
            let query = "?limit=100" + (after.map { "&after=" + Wire.pathSegment($0) } ?? "")
            let answer = try await curl("GET", "/domains/\(Wire.pathSegment(idOrName))/history\(query)")
            guard answer.status == 200 else { throw HarnessError("GET history \(idOrName): \(answer)") }
            let page: ListJSON<HistoryEntryJSON> = try answer.decode()
            entries += page.data
            guard page.hasMore, let last = page.data.last else { return entries.reversed() }
            after = last.cursor
        }
        throw HarnessError("history of \(idOrName) did not end after 100 pages")
    }

    func transitions(_ idOrName: String) async throws -> [HistoryEntryJSON] {
        try await history(idOrName).filter { $0.object == "transition" }
    }

    func checks(_ idOrName: String) async throws -> [HistoryEntryJSON] {
        try await history(idOrName).filter { $0.object == "check" }
    }

    /// One `GET /domains/{name}` answer and when it arrived (evidence independent of the daemon's clock).
    struct Reading: Sendable {
        let receivedAt: Date
        let domain: DomainJSON
    }

    /// Polls `GET /domains/{name}` until `until` holds, returning every reading (the last one satisfies it).
    @discardableResult
    func poll(_ idOrName: String, within seconds: TimeInterval, what: String,
              until done: (DomainJSON) -> Bool) async throws -> [Reading] {
        var readings: [Reading] = []
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            let domain = try await self.domain(idOrName)
            readings.append(Reading(receivedAt: Date(), domain: domain))
            if done(domain) { return readings }
            guard Date() < deadline else {
                throw HarnessError("\(idOrName): \(what) not within \(Int(seconds)) s; it is \(domain.status). Log:\n\(log.suffix(6000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls until the domain has `status`; returns every reading on the way.
    @discardableResult
    func waitFor(_ idOrName: String, _ status: String, within seconds: TimeInterval = 20) async throws -> [Reading] {
        try await poll(idOrName, within: seconds, what: "status \(status)") { $0.status == status }
    }

    /// Polls the history until it holds at least `count` checks; returns them, oldest first.
    @discardableResult
    func waitForChecks(_ idOrName: String, atLeast count: Int, within seconds: TimeInterval = 20,
                       where matching: (HistoryEntryJSON) -> Bool = { _ in true }) async throws -> [HistoryEntryJSON] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            let checks = try await self.checks(idOrName).filter(matching)
            if checks.count >= count { return checks }
            guard Date() < deadline else {
                throw HarnessError("\(idOrName): \(checks.count) matching checks, not \(count), within \(Int(seconds)) s. Log:\n\(log.suffix(6000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: DNS

    /// Publishes the domain's records in Knot, exactly as the API gives them.
    func publish(_ domain: DomainJSON, only kinds: Set<String>? = nil) async throws {
        for record in domain.records ?? [] where kinds == nil || kinds!.contains(record.key) {
            let rdata = record.type == "MX" ? "\(record.priority ?? 10) \(record.value)." : KnotServer.txt(record.value)
            try await onThread { [knot] in try knot.set(E2EDNS.zone, record.fqdn + ".", record.type, rdata) }
        }
    }

    /// Removes one published record set (`kind` as in `RecordJSON.key`, e.g. "SPF TXT").
    func unpublish(_ domain: DomainJSON, _ kind: String) async throws {
        guard let record = domain.records?.first(where: { $0.key == kind }) else {
            throw HarnessError("\(domain.name) has no \(kind) record")
        }
        try await onThread { [knot] in try knot.unset(E2EDNS.zone, record.fqdn + ".", record.type) }
    }

    // MARK: The database

    /// Runs one SQL statement on the state directory's database with python3's sqlite3; rows as JSON arrays.
    func sql(_ statement: String) async throws -> [[Any]] {
        let script = "import json, sqlite3, sys\nc = sqlite3.connect(sys.argv[1], timeout=10)\nprint(json.dumps(c.execute(sys.argv[2]).fetchall()))\nc.close()"
        let result = try await Subprocess.run("/usr/bin/env", ["python3", "-c", script, databasePath, statement])
        guard result.status == 0 else { throw HarnessError("sqlite3 \(statement): \(result.stderr)") }
        guard let rows = try JSONSerialization.jsonObject(with: result.stdout) as? [[Any]] else {
            throw HarnessError("sqlite3 \(statement): not rows: \(String(decoding: result.stdout, as: UTF8.self))")
        }
        return rows
    }
}

/// Runs a program to completion off the test's thread pool; stdout and stderr kept apart.
enum Subprocess {
    struct Result: Sendable {
        let status: Int32
        let stdout: Data
        let stderr: String
    }

    /// Runs to completion; a process still running after `timeout` seconds is killed (and reported as signal 9).
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                    timeout: TimeInterval = 60) async throws -> Result {
        try await onThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if let environment { process.environment = environment }
            let out = Pipe()
            let err = Pipe()
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let pid = process.processIdentifier
            let reaper = DispatchWorkItem { kill(pid, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: reaper)
            defer { reaper.cancel() }
            let errorData = LockedData()
            let group = DispatchGroup()
            onThread(group: group) { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
            let output = out.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
            return Result(status: status, stdout: output, stderr: String(decoding: errorData.get(), as: UTF8.self))
        }
    }

    private final class LockedData: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        func set(_ new: Data) { lock.withLock { data = new } }
        func get() -> Data { lock.withLock { data } }
    }
}

