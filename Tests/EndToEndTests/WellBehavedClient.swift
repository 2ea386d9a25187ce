// A client that asks one ordinary question over and over and times every answer: the witness that a
// hostile client does not starve the others. And the daemon's resident memory and descriptors, from /proc.
import Foundation
import TestSupport

/// Issues `GET target` one after another on its own thread, on a fresh connection each time (as
/// domainctl does) or on one kept-alive connection, and records each answer's latency.
final class WellBehavedClient: @unchecked Sendable {
    struct Run: Sendable {
        /// Seconds, one per answered request.
        var latencies: [Double] = []
        /// What went wrong, one line per failed request.
        var failures: [String] = []

        var p99: Double { percentile(0.99) }
        var median: Double { percentile(0.5) }

        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return .infinity }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
        }
    }

    let socketPath: String
    let target: String
    let keepAlive: Bool
    private let lock = NSLock()
    private var run = Run()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var connection: RawConnection?
    private var begun: DispatchTime?

    init(socketPath: String, target: String, keepAlive: Bool) {
        self.socketPath = socketPath
        self.target = target
        self.keepAlive = keepAlive
    }

    /// `count` requests back to back, on the calling thread.
    func measure(count: Int) -> Run {
        var run = Run()
        for _ in 0..<count { once(into: &run) }
        return run
    }

    /// Starts asking on a thread of its own until `stop()`.
    func start() {
        begun = DispatchTime.now()
        let thread = Thread { [self] in
            var local = Run()
            while !lock.withLock({ stopping }) {
                once(into: &local)
                lock.withLock { run = local }
                // A client with something else to do between questions, not a load generator.
                usleep(2_000)
            }
            finished.signal()
        }
        thread.start()
    }

    /// Stops the thread (after its request in flight) and returns what it saw.
    func stop() -> Run {
        lock.withLock { stopping = true }
        finished.wait()
        connection?.close()
        connection = nil
        return lock.withLock { run }
    }

    private func once(into run: inout Run) {
        let request = RawConnection.request("GET", target, headers: keepAlive ? [] : ["Connection: close"])
        let started = DispatchTime.now()
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9 }
        do {
            let connection = try self.connection ?? RawConnection(socketPath, timeout: 5)
            let kind = keepAlive ? "kept-alive" : "fresh"
            func failed(_ what: String) {
                connection.close()
                self.connection = nil
                let at = Double(started.uptimeNanoseconds - (begun?.uptimeNanoseconds ?? started.uptimeNanoseconds)) / 1e9
                run.failures.append("GET \(target): \(what) after \(String(format: "%.3f", seconds())) s (\(kind) connection, asked \(String(format: "%.1f", at)) s into the run)")
            }
            guard connection.send(request) else { return failed("sending failed (\(String(cString: strerror(errno))))") }
            guard let answer = connection.readResponse(within: 5) else {
                return failed(connection.lastReadEnd.map { "the connection ended without an answer (\($0))" } ?? "no answer")
            }
            let elapsed = seconds()
            if keepAlive && answer.headers["connection"] != "close" {
                self.connection = connection
            } else {
                connection.close()
                self.connection = nil
            }
            guard answer.status == 200 else {
                run.failures.append("GET \(target): \(answer)")
                return
            }
            run.latencies.append(elapsed)
        } catch {
            run.failures.append("GET \(target): \(error)")
        }
    }
}

/// The daemon's resident memory and open descriptors, read from /proc.
enum DaemonVitals {
    /// VmRSS in bytes, nil once the process is gone.
    static func residentBytes(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) }) else {
            return nil
        }
        return kilobytes * 1024
    }

    /// The daemon's open sockets (its listener and its connections). Other descriptors come and go
    /// for their own reasons (the store's pool opens a reader for concurrent reads and keeps it).
    static func openSockets(_ pid: Int32) -> Int? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd") else { return nil }
        return names.filter { name in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(name)"))?.hasPrefix("socket:") == true
        }.count
    }

    /// What each descriptor points at, for a failure message.
    static func describeDescriptors(_ pid: Int32) -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return names.sorted { Int($0) ?? 0 < Int($1) ?? 0 }.map { name in
            "\(name) → " + ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(name)")) ?? "?")
        }.joined(separator: ", ")
    }

    /// Samples the resident memory every 20 ms on its own thread until stopped; returns the peak.
    final class PeakSampler: @unchecked Sendable {
        private let lock = NSLock()
        private var peak = 0
        private var stopping = false
        private let finished = DispatchSemaphore(value: 0)

        init(_ pid: Int32) {
            Thread { [self] in
                while !lock.withLock({ stopping }) {
                    if let bytes = DaemonVitals.residentBytes(pid) { lock.withLock { peak = max(peak, bytes) } }
                    usleep(20_000)
                }
                finished.signal()
            }.start()
        }

        func stop() -> Int {
            lock.withLock { stopping = true }
            finished.wait()
            return lock.withLock { peak }
        }
    }
}

/// Raises this process's soft descriptor limit to its hard limit; returns the new soft limit.
@discardableResult
func raiseDescriptorLimit() -> Int {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    return Int(limit.rlim_cur)
}
