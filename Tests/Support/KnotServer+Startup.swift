// Starting knotd for KnotServer: a free port, a watchdog, and waiting until it really answers.
import Foundation

extension KnotServer {
    struct Started {
        let port: UInt16
        let knotd: ChildProcess
        let watchdog: ChildProcess
    }

    /// Starts knotd on a fresh port, retrying when another process took the port first, and waits
    /// until its control socket works and it answers SOA queries for `probeZones`.
    static func start(
        configPath: String, logPath: String, probeZones: [String],
        configuration: (UInt16) -> String
    ) throws -> Started {
        var failure = TestServerError("Starting knotd", output: "")
        for attempt in 1...startAttempts {
            let port = try freeLoopbackPort()
            try configuration(port).write(toFile: configPath, atomically: true, encoding: .utf8)
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            guard let log = FileHandle(forWritingAtPath: logPath) else {
                throw TestServerError("Opening \(logPath)", output: "")
            }
            let knotd = try ChildProcess(executable("knotd"), ["-c", configPath], stdout: log, stderr: log)
            try? log.close()
            let watchdog: ChildProcess
            do {
                // Reads until the test process closes its end of the pipe, however it dies.
                watchdog = try ChildProcess("/bin/sh", ["-c", "read _; kill -TERM \(knotd.processID)"], stdin: Pipe())
            } catch {
                knotd.stop()
                throw error
            }
            let outcome = waitUntilReady(knotd: knotd, configPath: configPath, port: port, probeZones: probeZones)
            if outcome == .ready {
                return Started(port: port, knotd: knotd, watchdog: watchdog)
            }
            watchdog.stop()
            knotd.stop()
            let logText = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            let what = outcome == .exited ? "knotd exited while starting" : "knotd did not answer within \(Int(startTimeout)) s"
            failure = TestServerError("Starting knotd on 127.0.0.1@\(port) (attempt \(attempt)): \(what)", output: logText)
            // Only a lost race for the port is worth another try.
            guard outcome == .exited, logText.contains("address already in use") else { throw failure }
        }
        throw failure
    }

    enum Readiness {
        case ready, exited, timedOut
    }

    private static func waitUntilReady(knotd: ChildProcess, configPath: String, port: UInt16, probeZones: [String]) -> Readiness {
        let deadline = Date(timeIntervalSinceNow: startTimeout)
        var controlAnswers = false
        while Date() < deadline {
            if !knotd.isRunning { return .exited }
            if !controlAnswers {
                let status = try? run(executable("knotc"), ["-c", configPath, "-t", "1", "status"])
                controlAnswers = status?.status == 0
            }
            if controlAnswers, answersSOA(port: port, zones: probeZones) { return .ready }
            usleep(10_000)
        }
        return .timedOut
    }

    /// Whether knotd answers a SOA query for every zone in `zones` (all in one kdig run).
    static func answersSOA(port: UInt16, zones: [String]) -> Bool {
        var arguments = ["@127.0.0.1", "-p", String(port), "+short", "+timeout=1", "+retry=0"]
        for zone in zones { arguments += ["SOA", absolute(zone)] }
        guard let result = try? run(executable("kdig"), arguments) else { return false }
        let answered = result.output.split(separator: "\n").filter { $0.contains("hostmaster.harness.invalid.") }
        return answered.count >= zones.count
    }
}
