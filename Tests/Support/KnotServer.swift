// A throwaway Knot DNS server for tests: zones in a temporary directory, records edited while it runs.
import Foundation

/// An authoritative Knot DNS server on 127.0.0.1 for one test; stopped by `stop()` or when it goes away.
///
/// It always serves a bare root zone, so a name outside every test zone gets NXDOMAIN, not REFUSED.
/// Each zone file gets `$ORIGIN`, `$TTL 60`, a SOA and an NS record (`ns.harness.invalid.`) ahead of
/// the body; the SOA's negative TTL is 1 s so that resolvers do not hold on to a NODATA or NXDOMAIN
/// between the steps of a test. Edits run as `knotc` zone transactions; `load` uses DNS UPDATE.
/// If the test process dies without stopping it, a watchdog child stops knotd.
public final class KnotServer: @unchecked Sendable {
    /// The port knotd answers on, UDP and TCP.
    public let port: UInt16
    /// The server as libunbound's `ub_ctx_set_fwd` and knot's tools write it.
    public var address: String { "127.0.0.1@\(port)" }
    /// knot.conf, for `knotc -c`.
    public let configPath: String
    /// knotd's process id.
    public let processID: Int32
    /// Where knotd's log (stderr, level notice) goes.
    public let logPath: String

    let directory: TemporaryDirectory
    let tsigSecret: String
    /// Held for each knotc or knsupdate transaction: knot allows one open transaction per zone.
    let editLock = NSLock()
    /// Stopped in this order: the watchdog first, so it cannot signal a reused pid.
    private let processes: [ChildProcess]

    static let tsigKeyName = "harness"
    static let soaRecord = "@ SOA ns.harness.invalid. hostmaster.harness.invalid. 1 3600 600 86400 1"
    static let startTimeout: TimeInterval = 10
    static let startAttempts = 5

    /// Starts knotd serving `zones` (name → zone-file body without SOA/NS; relative names are
    /// relative to the zone), `brokenZones` (configured without a zone file: SERVFAIL) and
    /// `truncatedZones` (every UDP answer truncated, so clients must use TCP). Returns once knotd
    /// answers for every zone; throws with knotd's log if it does not within 10 s.
    public init(zones: [String: String], brokenZones: [String] = [], truncatedZones: [String] = []) throws {
        let directory = try TemporaryDirectory()
        for sub in ["run", "db", "zones"] {
            try FileManager.default.createDirectory(atPath: directory.path + "/" + sub, withIntermediateDirectories: true)
        }
        var bodies = [".": ""]
        for (name, body) in zones {
            bodies[Self.zoneName(name), default: ""] += body + "\n"
        }
        let truncated = Set(truncatedZones.map(Self.zoneName))
        for name in truncated where bodies[name] == nil {
            bodies[name] = ""
        }
        var served: [ZoneConfig] = []
        for (name, body) in bodies.sorted(by: { $0.key < $1.key }) {
            let file = Self.zoneFilePath(directory, name)
            try Self.zoneFile(name, body: body).write(toFile: file, atomically: true, encoding: .utf8)
            served.append(ZoneConfig(name: name, file: file, truncated: truncated.contains(name)))
        }
        let broken = brokenZones.map(Self.zoneName).filter { bodies[$0] == nil }.map {
            ZoneConfig(name: $0, file: Self.zoneFilePath(directory, $0), truncated: false)
        }

        var secret = [UInt8](repeating: 0, count: 32)
        for index in secret.indices { secret[index] = UInt8.random(in: 0...255) }
        let tsigSecret = Data(secret).base64EncodedString()
        let configPath = directory.path + "/knot.conf"
        let logPath = directory.path + "/knotd.log"
        let started = try Self.start(
            configPath: configPath, logPath: logPath, probeZones: served.map(\.name),
            configuration: { port in
                Self.configuration(directory: directory.path, port: port, zones: served + broken, tsigSecret: tsigSecret)
            })

        self.directory = directory
        self.tsigSecret = tsigSecret
        self.configPath = configPath
        self.logPath = logPath
        self.port = started.port
        self.processID = started.knotd.processID
        self.processes = [started.watchdog, started.knotd]
    }

    deinit { stop() }

    /// Stops knotd (SIGTERM, then SIGKILL after 3 s) and waits until it is gone. Idempotent.
    public func stop() {
        for process in processes { process.stop() }
    }

    /// knotd's log so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    // MARK: Record edits

    /// Adds one record in its own transaction. `owner` is relative to `zone`, `@`, or absolute with a
    /// trailing dot; `rdata` is in zone-file syntax (see `txt(_:)`). Adding a record that is already
    /// there is not an error. A TTL that differs from the RRset's changes the whole RRset's TTL.
    public func set(_ zone: String, _ owner: String, _ type: String, _ rdata: String, ttl: Int = 60) throws {
        try transaction(zone) {
            try addRecord(zone, owner, type, rdata, ttl: ttl)
        }
    }

    /// Removes the whole node (no type), one RRset (type), or one record (type and rdata);
    /// throws if there is nothing to remove.
    public func unset(_ zone: String, _ owner: String, _ type: String? = nil, _ rdata: String? = nil) throws {
        precondition(type != nil || rdata == nil, "unset needs a type to remove a single record")
        try transaction(zone) {
            try knotcChecked(["zone-unset", zone, owner] + [type, rdata].compactMap { $0 })
        }
    }

    /// Makes `rdatas` the whole RRset of `type` at `owner`, in one transaction.
    public func replace(_ zone: String, _ owner: String, _ type: String, _ rdatas: [String], ttl: Int = 60) throws {
        try transaction(zone) {
            let removal = ["zone-unset", zone, owner, type]
            let removed = try knotc(removal)
            if removed.status != 0, !removed.output.contains("no such") {
                throw TestServerError("knotc " + removal.joined(separator: " "), output: removed.output)
            }
            for rdata in rdatas {
                try addRecord(zone, owner, type, rdata, ttl: ttl)
            }
        }
    }

    /// Adds and loads a zone while knotd runs (`conf-begin`, `conf-set zone[NAME]`, `conf-commit`);
    /// returns once it answers.
    public func addZone(_ name: String, body: String) throws {
        let zone = Self.zoneName(name)
        let file = Self.zoneFilePath(directory, zone)
        try Self.zoneFile(zone, body: body).write(toFile: file, atomically: true, encoding: .utf8)
        editLock.lock()
        defer { editLock.unlock() }
        try knotcChecked(["conf-begin"])
        do {
            try knotcChecked(["conf-set", "zone[\(zone)]"])
            try knotcChecked(["conf-set", "zone[\(zone)].file", file])
            try knotcChecked(["conf-commit"])
        } catch {
            _ = try? knotc(["conf-abort"])
            throw error
        }
        let deadline = Date(timeIntervalSinceNow: 5)
        while !Self.answersSOA(port: port, zones: [zone]) {
            guard Date() < deadline else {
                throw TestServerError("Loading added zone \(zone)", output: log)
            }
            usleep(10_000)
        }
    }

    /// Renders `value` as zone-file TXT rdata: quoted strings of at most 255 bytes each, with `"`
    /// and `\` escaped and bytes outside printable ASCII written as `\DDD`.
    public static func txt(_ value: String) -> String {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { return "\"\"" }
        return stride(from: 0, to: bytes.count, by: 255).map { start in
            var text = "\""
            for byte in bytes[start..<min(start + 255, bytes.count)] {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    text += "\\" + String(UnicodeScalar(byte))
                case 0x20...0x7E:
                    text += String(UnicodeScalar(byte))
                default:
                    text += "\\" + String(format: "%03d", Int(byte))
                }
            }
            return text + "\""
        }.joined(separator: " ")
    }

    /// Queries knotd has answered since it started (`mod-stats`), including the harness's own
    /// readiness probes: compare two readings. Nil if knotc cannot say.
    public var queryCount: Int? {
        guard let result = try? knotc(["stats", "mod-stats.server-operation"]), result.status == 0 else { return nil }
        for line in result.output.split(separator: "\n") where line.contains("[query]") {
            return line.split(separator: "=").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        }
        return 0
    }

    // MARK: knotc

    private func transaction(_ zone: String, _ edits: () throws -> Void) throws {
        editLock.lock()
        defer { editLock.unlock() }
        try knotcChecked(["zone-begin", zone])
        do {
            try edits()
            try knotcChecked(["zone-commit", zone])
        } catch {
            // A failed line does not stop knot from committing the others; abort the whole edit.
            _ = try? knotc(["zone-abort", zone])
            throw error
        }
    }

    private func addRecord(_ zone: String, _ owner: String, _ type: String, _ rdata: String, ttl: Int) throws {
        let arguments = ["zone-set", zone, owner, String(ttl), type, rdata]
        let result = try knotc(arguments)
        if result.status != 0, !result.output.contains("such record already exists") {
            throw TestServerError("knotc " + arguments.joined(separator: " "), output: result.output)
        }
    }

    @discardableResult
    private func knotcChecked(_ arguments: [String]) throws -> String {
        let result = try knotc(arguments)
        guard result.status == 0 else {
            throw TestServerError("knotc " + arguments.joined(separator: " "), output: result.output)
        }
        return result.output
    }

    private func knotc(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try run(executable("knotc"), ["-c", configPath, "-t", "5"] + arguments)
    }
}
