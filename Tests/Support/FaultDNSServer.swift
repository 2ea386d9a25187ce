// Runs faultdns.py, a DNS server that injects faults per a rules file, for one test.
import Foundation

/// A fault-injecting DNS server (faultdns.py beside this file, on dnslib) on 127.0.0.1 for one
/// test; stopped by `stop()` or when it goes away, and by itself if the test process dies.
public final class FaultDNSServer: @unchecked Sendable {
    /// The port it answers on, UDP and TCP.
    public let port: UInt16
    /// The server as libunbound's `ub_ctx_set_fwd` and knot's tools write it.
    public var address: String { "127.0.0.1@\(port)" }
    /// The script's process id.
    public let processID: Int32
    /// Where the script's stderr goes.
    public let logPath: String

    private let directory: TemporaryDirectory
    private let rulesPath: String
    private let output: ScriptOutput
    private let child: ChildProcess
    private let lock = NSLock()
    private var generation = 1

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("faultdns.py").path
    private static let timeout: TimeInterval = 10

    /// Starts the server with `rules`; `upstream` ("127.0.0.1@PORT" or "127.0.0.1:PORT") is where
    /// `proxy`, `slow` and `wrongID` get real answers. Returns once it listens.
    public init(rules: FaultRules, upstream: String? = nil) throws {
        directory = try TemporaryDirectory()
        rulesPath = directory.path + "/rules.json"
        logPath = directory.path + "/faultdns.log"
        try Self.write(rules, generation: 1, to: rulesPath)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw TestServerError("Opening \(logPath)", output: "")
        }
        defer { try? log.close() }
        var arguments = [Self.script, "--listen", "127.0.0.1", "--port", "0",
                         "--rules", rulesPath, "--exit-on-stdin-eof"]
        if let upstream { arguments += ["--upstream", upstream.replacingOccurrences(of: "@", with: ":")] }
        let stdout = Pipe()
        output = ScriptOutput(stdout.fileHandleForReading)
        // The script exits when its stdin closes: when this process dies, however it dies.
        child = try ChildProcess("python3", arguments, stdin: Pipe(), stdout: stdout, stderr: log)
        processID = child.processID
        guard let port = output.waitForPort(timeout: Self.timeout) else {
            child.stop()
            let logText = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw TestServerError("Starting faultdns.py", output: logText)
        }
        self.port = port
    }

    deinit { stop() }

    /// Replaces the rules and returns once the server has loaded them, so the next query obeys them.
    public func update(_ rules: FaultRules) throws {
        lock.lock()
        defer { lock.unlock() }
        generation += 1
        let generation = generation
        try Self.write(rules, generation: generation, to: rulesPath)
        guard output.waitForGeneration(generation, timeout: Self.timeout) else {
            throw TestServerError("Loading rules generation \(generation) into faultdns.py", output: log)
        }
    }

    /// Stops the script (SIGTERM, then SIGKILL after 3 s) and waits until it is gone. Idempotent.
    public func stop() {
        child.stop()
    }

    /// The script's stderr so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    private static func write(_ rules: FaultRules, generation: Int, to path: String) throws {
        struct RulesFile: Encodable {
            let generation: Int
            let rules: [FaultRules.Rule]
            let `default`: FaultAction
        }
        let data = try JSONEncoder().encode(RulesFile(generation: generation, rules: rules.rules, default: rules.default))
        // Atomic: written aside and renamed, so the script never reads half a file.
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

/// Reads the script's stdout (`ready PORT`, `loaded GENERATION`) on a thread of its own.
private final class ScriptOutput: @unchecked Sendable {
    private let condition = NSCondition()
    private var port: UInt16?
    private var generation = 0
    private var closed = false

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in read(handle) }
        thread.start()
    }

    func waitForPort(timeout: TimeInterval) -> UInt16? {
        wait(timeout: timeout) { $0.port != nil }
        condition.lock()
        defer { condition.unlock() }
        return port
    }

    func waitForGeneration(_ wanted: Int, timeout: TimeInterval) -> Bool {
        wait(timeout: timeout) { $0.generation >= wanted }
    }

    @discardableResult
    private func wait(timeout: TimeInterval, until done: (ScriptOutput) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !done(self) {
            if closed || !condition.wait(until: deadline) { return done(self) }
        }
        return true
    }

    private func read(_ handle: FileHandle) {
        var buffer = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                record(line)
            }
        }
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func record(_ line: String) {
        let words = line.split(separator: " ")
        guard words.count == 2 else { return }
        condition.lock()
        defer { condition.unlock() }
        if words[0] == "ready" { port = UInt16(words[1]) }
        if words[0] == "loaded", let loaded = Int(words[1]) { generation = max(generation, loaded) }
        condition.broadcast()
    }
}
