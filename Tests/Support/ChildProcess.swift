// A child process owned by a test: started with redirected streams, stopped for certain.
import Foundation

/// Runs one program in the background and stops it with SIGTERM, then SIGKILL after a grace period.
///
/// Started with posix_spawn rather than Foundation's Process: Process hands every child a socket
/// without close-on-exec and learns of the child's exit when that socket closes, so a long-lived
/// child started meanwhile (knotd, a daemon) that inherits it makes `waitUntilExit` wait forever.
/// Here the child keeps only its three streams, starts with every signal at its default and
/// unblocked (the test runner's threads block SIGTERM), and without the service manager's variables.
public final class ChildProcess: @unchecked Sendable {
    /// How the child ended.
    public enum Termination: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    private let lock = NSLock()
    private var termination: Termination?
    private var stopped = false

    /// The child's process id.
    public let processID: Int32
    /// The streams given, kept as long as the child: a stdin pipe dropped here would close its
    /// writing end, and the child would read end-of-file at once.
    private let streams: [Any?]

    public var isRunning: Bool { lock.withLock { reap(blocking: false) == nil } }

    /// Starts `executable` (a path, or a name looked up on PATH); each stream is a FileHandle or a
    /// Pipe, or nil for /dev/null. `environment` adds to (or replaces in) this process's.
    public init(_ executable: String, _ arguments: [String], stdin: Any? = nil, stdout: Any? = nil, stderr: Any? = nil,
                environment: [String: String] = [:]) throws {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { close(null) }
        func descriptor(_ stream: Any?, reading: Bool) -> Int32 {
            switch stream {
            case let handle as FileHandle: handle.fileDescriptor
            case let pipe as Pipe: reading ? pipe.fileHandleForReading.fileDescriptor : pipe.fileHandleForWriting.fileDescriptor
            default: null
            }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, descriptor(stdin, reading: true), 0)
        posix_spawn_file_actions_adddup2(&actions, descriptor(stdout, reading: false), 1)
        posix_spawn_file_actions_adddup2(&actions, descriptor(stderr, reading: false), 2)
        _ = Self.addCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let path = executable.contains("/") ? executable : TestSupport.executable(executable)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let hidden = Set(["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"])
        let inherited = ProcessInfo.processInfo.environment.filter { !hidden.contains($0.key) }
        let envp = inherited.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw TestServerError("starting \(path)", output: String(cString: strerror(rc))) }
        processID = pid
        streams = [stdin, stdout, stderr]
        // The parent keeps no copy of the child's ends of its pipes.
        if let pipe = stdin as? Pipe { try? pipe.fileHandleForReading.close() }
        if let pipe = stdout as? Pipe { try? pipe.fileHandleForWriting.close() }
        if let pipe = stderr as? Pipe, (stdout as? Pipe) !== pipe { try? pipe.fileHandleForWriting.close() }
    }

    /// glibc's posix_spawn_file_actions_addclosefrom_np (2.34+), which Swift's Glibc module hides:
    /// the child closes every descriptor from 3 up before it runs.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        // A nil handle is RTLD_DEFAULT: the symbol is looked up in every loaded library.
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc lacks posix_spawn_file_actions_addclosefrom_np (needs 2.34 or later)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Waits until the child ends; how it ended.
    @discardableResult
    public func wait() -> Termination {
        lock.withLock { reap(blocking: true)! }
    }

    /// Sends SIGTERM, waits up to `grace` seconds, then SIGKILL; returns once the child is reaped.
    /// Safe to call more than once and after the child exited by itself.
    public func stop(grace: TimeInterval = 3) {
        lock.lock()
        defer { lock.unlock() }
        if stopped { return }
        stopped = true
        if reap(blocking: false) == nil {
            kill(processID, SIGTERM)
            let deadline = Date(timeIntervalSinceNow: grace)
            while reap(blocking: false) == nil, Date() < deadline { usleep(5_000) }
            if reap(blocking: false) == nil { kill(processID, SIGKILL) }
        }
        _ = reap(blocking: true)
    }

    /// Collects the child's exit status once; nil while it runs. Call with the lock held.
    private func reap(blocking: Bool) -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(processID, &status, blocking ? 0 : WNOHANG)
        } while result == -1 && errno == EINTR
        guard result == processID else { return nil }
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros: their bit layout, spelt out.
        termination = status & 0x7F == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
        return termination
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
