// Shared test helpers: temporary directories and running external programs.
import Foundation

/// A directory under /tmp removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        var template = Array("/tmp/domain-verifier-test.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        path = String(cString: made)
    }

    public func file(_ name: String, contents: Data) throws -> String {
        let file = path + "/" + name
        try contents.write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs a program to completion; returns its exit status and its standard output and error together.
public func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `run` for async tests: waits on a thread of its own (see `onThread`).
public func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await onThread { try run(executable, arguments) }
}

/// Runs blocking work (a child process, a pipe read to its end) on a thread of its own and awaits
/// it: never on the few threads that run test tasks, and never on Dispatch's shared pool, which
/// blocked work exhausts (255 threads on Linux) while Swift's tasks and servers running inside the
/// test process need it (`make test-long` once starved an in-process server for a minute).
public func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Starts blocking work on a thread of its own, counted in `group` until it returns.
public func onThread(group: DispatchGroup, _ work: @escaping @Sendable () -> Void) {
    group.enter()
    Thread {
        work()
        group.leave()
    }.start()
}

/// SplitMix64: a tiny deterministic generator, so jitter is reproducible in tests.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
