// A child process owned by a test: started with redirected streams, stopped for certain.
import Foundation

/// Runs one program in the background and stops it with SIGTERM, then SIGKILL after a grace period.
public final class ChildProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var stopped = false

    /// The child's process id, valid from start until it has been reaped.
    public var processID: Int32 { process.processIdentifier }

    public var isRunning: Bool { process.isRunning }

    /// Starts `executable` (a path, or a name looked up on PATH); each stream is a FileHandle or a
    /// Pipe, or nil for /dev/null.
    public init(_ executable: String, _ arguments: [String], stdin: Any? = nil, stdout: Any? = nil, stderr: Any? = nil) throws {
        // Test runner threads block SIGTERM and other signals, and a spawned child inherits that
        // mask: it would ignore our SIGTERM. `env --default-signal` unblocks them and then execs,
        // so the process id stays the child's own.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = unsetServiceManagerVariables + ["--default-signal", executable] + arguments
        process.standardInput = stdin ?? FileHandle.nullDevice
        process.standardOutput = stdout ?? FileHandle.nullDevice
        process.standardError = stderr ?? FileHandle.nullDevice
        try process.run()
    }

    /// Sends SIGTERM, waits up to `grace` seconds, then SIGKILL; returns once the child is reaped.
    /// Safe to call more than once and after the child exited by itself.
    public func stop(grace: TimeInterval = 3) {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = Date(timeIntervalSinceNow: grace)
            while process.isRunning, Date() < deadline { usleep(5_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The path of a program found on PATH or in the sbin directories PATH often lacks; the bare name if none has it.
func executable(_ name: String) -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
        return directory + "/" + name
    }
    return name
}

/// `env` arguments that unset the service manager's variables: a test that sets NOTIFY_SOCKET or
/// WATCHDOG_USEC in this process must not have children (daemons, knotd) report to it.
public let unsetServiceManagerVariables = [
    "-u", "NOTIFY_SOCKET", "-u", "WATCHDOG_USEC", "-u", "WATCHDOG_PID",
    "-u", "LISTEN_FDS", "-u", "LISTEN_PID", "-u", "LISTEN_FDNAMES",
]
