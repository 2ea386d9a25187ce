// A throwaway systemd booted as PID 1 of fresh namespaces (scripts/systemd-harness), with domain-verifier
// installed in it: the tests drive it only through the harness's `ct` (systemctl, journalctl, curl inside).
import Foundation
import Testing
import TestSupport

/// A failure of the harness or of an expectation that cannot go on, with the evidence.
struct SystemdTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// How a command ended and what it printed.
struct CommandResult: Sendable, CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String
    let timedOut: Bool

    var output: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
    var description: String {
        (timedOut ? "timed out (killed)" : "exit \(status)") + "\n stdout: \(stdout.suffix(3000))\n stderr: \(stderr.suffix(3000))"
    }
}

enum Command {
    /// Runs `executable` to completion on a thread of its own (`onThread`), SIGKILL
    /// after `timeout` seconds. Signals are unblocked in the child (the test runner's threads block SIGTERM).
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil,
                    timeout: TimeInterval = 60) async throws -> CommandResult {
        try await onThread { try runBlocking(executable, arguments, stdin: stdin, timeout: timeout) }
    }

    private final class Output: @unchecked Sendable {
        private let lock = NSLock()
        private var stdout = Data()
        private var stderr = Data()
        func set(out: Data) { lock.withLock { stdout = out } }
        func set(err: Data) { lock.withLock { stderr = err } }
        var texts: (String, String) {
            lock.withLock { (String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)) }
        }
    }

    /// This process's environment without what tests of sd_notify and journald set in it meanwhile.
    static var childEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in
            !["NOTIFY_SOCKET", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"].contains(key)
        }
    }

    static func runBlocking(_ executable: String, _ arguments: [String], stdin: Data?, timeout: TimeInterval) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal", executable] + arguments
        process.environment = childEnvironment
        let out = Pipe()
        let err = Pipe()
        let input = stdin == nil ? nil : Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input ?? FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if let input, let stdin {
            Thread {
                try? input.fileHandleForWriting.write(contentsOf: stdin)
                try? input.fileHandleForWriting.close()
            }.start()
        }
        let output = Output()
        let readers = DispatchGroup()
        onThread(group: readers) { output.set(out: out.fileHandleForReading.readDataToEndOfFile()) }
        onThread(group: readers) { output.set(err: err.fileHandleForReading.readDataToEndOfFile()) }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            // Foundation notices the end when every holder of the child's status socket closed it.
            if exited.wait(timeout: .now() + 10) == .timedOut {
                let (stdoutText, stderrText) = output.texts
                return CommandResult(status: -1, stdout: stdoutText, stderr: stderrText, timedOut: true)
            }
        }
        // A process left behind inside the container may hold the pipes open: do not wait for it forever.
        _ = readers.wait(timeout: .now() + (timedOut ? 1 : 10))
        let (stdoutText, stderrText) = output.texts
        return CommandResult(status: process.terminationStatus, stdout: stdoutText, stderr: stderrText, timedOut: timedOut)
    }
}

/// One booted container. `boot()` returns once `systemctl is-system-running` says running; `stop()` powers
/// it off and removes its cgroup. If the test process dies first, a watchdog child stops it.
final class SystemdContainer: @unchecked Sendable {
    /// scripts/systemd-harness of this checkout.
    static let harness: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("scripts/systemd-harness").path
    }()

    /// Where the installed binaries are inside (ExecStart= points there).
    static let binDir = "/opt/domain-verifier/bin"
    static let socketPath = "/run/domain-verifier/admin.sock"
    static let unit = "domain-verifierd"
    static let socketUnit = "domain-verifierd.socket"
    /// The state directory behind StateDirectory= with DynamicUser=.
    static let stateDir = "/var/lib/private/domain-verifier"
    static var databasePath: String { stateDir + "/domain-verifier.sqlite" }

    let directory: TemporaryDirectory
    var workdir: String { directory.path }
    let bootOutput: String
    private let lock = NSLock()
    private var watchdog: Process?
    private var watchdogPipe: Pipe?
    private var stopped = false

    private init(directory: TemporaryDirectory, bootOutput: String) {
        self.directory = directory
        self.bootOutput = bootOutput
    }

    /// The directory of the domain-verifierd and domainctl built with the tests (the same scratch path).
    static func builtBinaries() throws -> String {
        var candidates = [Bundle.main.bundlePath, (Bundle.main.bundlePath as NSString).deletingLastPathComponent]
        if let argument = ProcessInfo.processInfo.arguments.first {
            candidates.append((argument as NSString).deletingLastPathComponent)
        }
        candidates.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path)
        for directory in candidates where ["domain-verifierd", "domainctl"].allSatisfy({
            FileManager.default.isExecutableFile(atPath: directory + "/" + $0)
        }) {
            return directory
        }
        throw SystemdTestError("no domain-verifierd and domainctl next to the test bundle (looked in \(candidates)); build with swift build --build-tests")
    }

    /// Boots a container whose /etc/domain-verifier/domain-verifierd.toml is `configuration`.
    static func boot(configuration: String) async throws -> SystemdContainer {
        let directory = try TemporaryDirectory()
        let etc = directory.path + "/etc"
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        try configuration.write(toFile: etc + "/domain-verifierd.toml", atomically: true, encoding: .utf8)
        chmod(etc + "/domain-verifierd.toml", 0o644)
        let bin = try builtBinaries()
        let result = try await Command.run("/usr/bin/env", ["BIN=\(bin)", harness + "/boot.sh", directory.path], timeout: 90)
        if result.status == 3 {
            throw SystemdTestError("this machine cannot run systemd in namespaces: \(result.stderr)")
        }
        guard result.status == 0 else {
            _ = try? await Command.run(harness + "/stop.sh", [directory.path], timeout: 30)
            throw SystemdTestError("booting systemd failed: \(result)")
        }
        let container = SystemdContainer(directory: directory, bootOutput: result.output)
        container.startWatchdog()
        return container
    }

    /// Stops the container if the test process goes away without doing so (its end of the pipe closes).
    private func startWatchdog() {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal", "/bin/sh", "-c", "read _; exec \"$0\" \"$1\" >/dev/null 2>&1",
                             Self.harness + "/stop.sh", workdir]
        process.environment = Command.childEnvironment
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return }
        lock.withLock {
            watchdog = process
            watchdogPipe = pipe
        }
    }

    /// Powers off, kills what is left, removes the cgroup; the result of stop.sh (exit 0: all clean).
    @discardableResult
    func stop() async -> CommandResult? {
        let (watchdog, pipe, already) = lock.withLock { () -> (Process?, Pipe?, Bool) in
            defer {
                self.watchdog = nil
                self.watchdogPipe = nil
                stopped = true
            }
            return (self.watchdog, self.watchdogPipe, stopped)
        }
        if let watchdog {
            if watchdog.isRunning { kill(watchdog.processIdentifier, SIGKILL) }
            watchdog.waitUntilExit()
            try? pipe?.fileHandleForWriting.close()
        }
        if already { return nil }
        return try? await Command.run(Self.harness + "/stop.sh", [workdir], timeout: 60)
    }

    deinit {
        // A test that threw before stopping: stop synchronously (idempotent after a stop()).
        let already = lock.withLock { stopped }
        if !already {
            if let watchdog, watchdog.isRunning { kill(watchdog.processIdentifier, SIGKILL) }
            _ = try? Command.runBlocking(Self.harness + "/stop.sh", [workdir], stdin: nil, timeout: 60)
        }
    }

    // MARK: Commands inside

    /// Runs a command inside the container (all its namespaces, a clean environment).
    func ct(_ arguments: [String], stdin: Data? = nil, timeout: TimeInterval = 30) async throws -> CommandResult {
        try await Command.run(Self.harness + "/ct", [workdir] + arguments, stdin: stdin, timeout: timeout)
    }

    func ct(_ arguments: String..., timeout: TimeInterval = 30) async throws -> CommandResult {
        try await ct(arguments, timeout: timeout)
    }

    /// Runs a command inside and throws unless it exits 0; returns its stdout.
    @discardableResult
    func must(_ arguments: String..., timeout: TimeInterval = 30) async throws -> String {
        try await must(arguments, timeout: timeout)
    }

    @discardableResult
    func must(_ arguments: [String], timeout: TimeInterval = 30) async throws -> String {
        let result = try await ct(arguments, timeout: timeout)
        guard result.status == 0, !result.timedOut else {
            throw SystemdTestError("`\(arguments.joined(separator: " "))` failed: \(result)")
        }
        return result.stdout
    }

    func domainctl(_ arguments: String..., timeout: TimeInterval = 30) async throws -> CommandResult {
        try await ct([Self.binDir + "/domainctl"] + arguments, timeout: timeout)
    }

    /// `systemctl show -p …` as a dictionary.
    func show(_ unit: String = SystemdContainer.unit, _ properties: [String]) async throws -> [String: String] {
        let text = try await must(["systemctl", "show", unit] + properties.flatMap { ["-p", $0] })
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }

    func property(_ name: String, of unit: String = SystemdContainer.unit) async throws -> String {
        try await show(unit, [name])[name] ?? ""
    }

    /// `systemctl is-active UNIT` (active, activating, inactive, failed…).
    func activeState(_ unit: String = SystemdContainer.unit) async throws -> String {
        try await ct("systemctl", "is-active", unit).output
    }

    /// Adds a drop-in to the service and reloads systemd's unit files.
    func dropIn(_ name: String, _ text: String) async throws {
        let directory = "/run/systemd/system/\(Self.unit).service.d"
        let script = "mkdir -p \(directory) && cat > \(directory)/\(name).conf && systemctl daemon-reload"
        let result = try await ct(["/bin/sh", "-c", script], stdin: Data(text.utf8))
        guard result.status == 0 else { throw SystemdTestError("drop-in \(name): \(result)") }
    }

    /// Replaces /etc/domain-verifier/domain-verifierd.toml (bound from the work directory; atomic rename).
    func writeConfiguration(_ text: String) throws {
        let path = workdir + "/etc/domain-verifierd.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
    }

    /// The journal entries of `journalctl -o json` with `arguments` (matches such as `DOMAIN=x`), values as text.
    func journal(_ arguments: [String]) async throws -> [[String: String]] {
        let text = try await must(["journalctl", "--no-pager", "-o", "json"] + arguments)
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object.compactMapValues { value in value as? String ?? (value as? NSNumber)?.stringValue }
        }
    }

    /// Evidence for a failed test: the units' status and the end of the journal.
    func diagnostics() async -> String {
        let status = (try? await ct("systemctl", "status", "--no-pager", "-n", "0", Self.socketUnit, Self.unit).stdout) ?? ""
        let journal = (try? await ct("journalctl", "--no-pager", "-b", "-n", "120").stdout) ?? ""
        return "--- boot: \(bootOutput)\n--- systemctl status\n\(status)\n--- journal\n\(journal)"
    }

    // MARK: The admin API over the socket, with curl inside

    /// One request to the daemon (as root inside); the HTTP status and the body.
    func api(_ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, body: Data) {
        var arguments = ["curl", "-sS", "--max-time", "15", "--unix-socket", Self.socketPath, "-X", method,
                         "-o", "/dev/stdout", "-w", "\n%{http_code}"]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-raw", body] }
        arguments.append("http://localhost" + path)
        let result = try await ct(arguments, timeout: 30)
        guard result.status == 0, let newline = result.stdout.lastIndex(of: "\n"),
              let status = Int(result.stdout[result.stdout.index(after: newline)...]) else {
            throw SystemdTestError("curl \(method) \(path): \(result)")
        }
        return (status, Data(result.stdout[..<newline].utf8))
    }

    func createDomain(_ name: String) async throws -> DomainJSON {
        let answer = try await api("POST", "/domains", body: #"{"name":"\#(name)"}"#)
        guard answer.status == 201 else { throw SystemdTestError("POST /domains \(name): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))") }
        return try DomainJSON.decode(answer.body)
    }

    func domain(_ name: String) async throws -> DomainJSON {
        let answer = try await api("GET", "/domains/" + name)
        guard answer.status == 200 else { throw SystemdTestError("GET /domains/\(name): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))") }
        return try DomainJSON.decode(answer.body)
    }

    /// POST /domains/{name}/verify; the HTTP status (200 accepted, 429 too soon).
    func verify(_ name: String) async throws -> Int {
        try await api("POST", "/domains/\(name)/verify").status
    }

    /// The domain's history, oldest first.
    func history(_ name: String) async throws -> [HistoryEntryJSON] {
        let answer = try await api("GET", "/domains/\(name)/history?limit=100")
        guard answer.status == 200 else { throw SystemdTestError("GET history \(name): \(answer.status)") }
        return try JSONDecoder.snakeCase.decode(HistoryPageJSON.self, from: answer.body).data.reversed()
    }
}

// MARK: Waiting

/// Polls `condition` every 50 ms until it holds; throws with `what` and the last observation after `seconds`.
func waitUntil(_ what: String, within seconds: TimeInterval, _ condition: () async throws -> (Bool, String)) async throws {
    let deadline = Date(timeIntervalSinceNow: seconds)
    var last = ""
    while true {
        let (done, observed) = try await condition()
        if done { return }
        last = observed
        guard Date() < deadline else { throw SystemdTestError("\(what): not within \(seconds) s; last seen: \(last)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Boots a container, runs `body`, and always stops it; a failure carries the journal. The container must
/// stop cleanly (cgroup removed, nothing mounted on the host).
func withContainer(configuration: String, _ body: (SystemdContainer) async throws -> Void) async throws {
    let container = try await SystemdContainer.boot(configuration: configuration)
    do {
        try await body(container)
    } catch {
        let evidence = await container.diagnostics()
        await container.stop()
        throw SystemdTestError("\(error)\n\(evidence)")
    }
    let stopped = await container.stop()
    #expect(stopped?.status == 0, "stop.sh: \(stopped.map(\.description) ?? "did not run")")
}

// MARK: DNS

/// The Knot server every test publishes into (on the host's loopback, which the container shares).
enum SystemdDNS {
    static let zone = "sd.test"
    private static let started = Result { try KnotServer(zones: [zone: ""]) }

    static func knot() async throws -> KnotServer {
        try await onThread { try started.get() }
    }

    /// The daemon's configuration for a test: forward to Knot, seconds-long timers.
    static func configuration(_ knot: KnotServer, verifyMinInterval: String = "0s") -> String {
        """
        [resolver]
        mode = "forward"
        servers = ["\(knot.address)"]
        timeout = "2s"

        [timers]
        pending_timeout = "120s"
        temporary_failure_timeout = "120s"
        confirm_delay = "3s"
        dns_error_grace = "120s"

        [schedule]
        pending_intervals = ["1s"]
        recheck_interval = "1m"
        temporary_failure_interval = "1s"
        startup_spread = "1s"
        verify_min_interval = "\(verifyMinInterval)"

        [dkim]
        key_size = 1024

        """
    }

    /// Publishes the domain's records in Knot exactly as the API gives them.
    static func publish(_ domain: DomainJSON, in knot: KnotServer) async throws {
        for record in domain.records ?? [] {
            let rdata = record.type == "MX" ? "\(record.priority ?? 10) \(record.value)." : KnotServer.txt(record.value)
            try await onThread { try knot.set(zone, record.fqdn + ".", record.type, rdata) }
        }
    }
}

// MARK: The API's JSON

extension JSONDecoder {
    static let snakeCase: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()
}

struct DomainJSON: Decodable, Sendable {
    let id: String
    let name: String
    let status: String
    let records: [RecordJSON]?

    static func decode(_ data: Data) throws -> DomainJSON {
        do {
            return try JSONDecoder.snakeCase.decode(DomainJSON.self, from: data)
        } catch {
            throw SystemdTestError("not a domain: \(String(decoding: data, as: UTF8.self).prefix(500)): \(error)")
        }
    }
}

struct RecordJSON: Decodable, Sendable {
    let record: String
    let type: String
    let fqdn: String
    let value: String
    let priority: Int?
}

struct HistoryPageJSON: Decodable, Sendable {
    let hasMore: Bool
    let data: [HistoryEntryJSON]
}

struct HistoryEntryJSON: Decodable, Sendable, Equatable {
    let object: String
    let id: Int64
    let at: String
    let from: String?
    let to: String?
    let checkId: Int64?
}
