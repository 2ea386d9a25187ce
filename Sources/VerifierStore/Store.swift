// The SQLite store (GRDB, WAL): opening, locking and migrating, and one write method per use case.
import Foundation
import GRDB
import VerifierCore

/// The daemon's database. Each write method runs one transaction that keeps the invariants: a status
/// change is committed together with the state it produces, or not at all.
public final class Store: Sendable {
    public let path: String
    let pool: DatabasePool
    private let lock: StoreLock
    private let checkpointer: Checkpointer
    /// Set while `prune` runs: the WAL is started over between prunes, not during one, whose
    /// deletions would make the RESTART hold the writer for long (240 ms in `make bench`).
    let pruning = Flag()

    /// Opens (creating if needed, mode 0600) the database at `path`, takes its lock and migrates it.
    /// Refuses, saying why, when another process holds it, when it is damaged, or when it is read-only.
    public convenience init(path: String) throws(StoreError) {
        try self.init(path: path, checkpoints: Checkpointer.Settings())
    }

    /// `checkpoints` sets how often the WAL is copied back and when it is started over (tests use
    /// small values to see a restart within seconds).
    init(path: String, checkpoints: Checkpointer.Settings) throws(StoreError) {
        self.path = path
        lock = try StoreLock(databasePath: path)
        // The database holds private keys: create it 0600 before SQLite does (SQLite gives its -wal
        // and -shm files the main file's mode).
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 {
            let code = errno
            throw StoreError(code == EROFS || code == EACCES ? .readOnly : .other,
                             "cannot open the database \(path): \(String(cString: strerror(code)))")
        }
        Glibc.close(fd)
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "domain-verifier"
        configuration.prepareDatabase { db in
            // FULL: a commit survives power loss, not only a crash of the daemon.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // SQLite's automatic checkpoint runs inside the commit that crosses 1,000 pages of WAL:
            // that commit then waited ~300 ms for the database file's fsync, and every check in
            // it with it (`make bench`, store part). The checkpointer below does it beside the writer.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Checkpointer.walSizeLimit)")
        }
        do {
            let opened = try DatabasePool(path: path, configuration: configuration)
            // GRDB turns WAL on after `prepareDatabase` and sets the writer to synchronous=NORMAL
            // with it: a commit would survive a crash of the daemon but not a power loss.
            try opened.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            pool = opened
            // Reading the schema finds a file that is not a database or has a damaged header at
            // once; the full integrity check reads every page, so it runs after start-up instead.
            _ = try opened.read { db in try Int.fetchOne(db, sql: "PRAGMA schema_version") }
            try StoreSchema.migrator.migrate(opened)
            checkpointer = try Checkpointer(path: path, settings: checkpoints) { [pruning] in
                guard !pruning.value else { return }
                _ = try opened.writeWithoutTransaction { db in try db.checkpoint(.restart) }
            }
        } catch let error as StoreError {
            throw StoreError(error.kind, error.message)
        } catch {
            let wrapped = StoreError.wrap(error, "opening the database \(path)")
            throw wrapped
        }
    }

    /// Reads every page of the database (`PRAGMA quick_check`); throws `.corrupt` saying what is damaged.
    /// Takes about a second per gigabyte: run it off the paths that answer requests.
    public func checkIntegrity() throws(StoreError) {
        let result = try read("checking the database's integrity") { db in
            try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
        }
        guard result == ["ok"] else {
            throw StoreError(.corrupt, "the database \(path) is damaged: \(result.joined(separator: "; "))")
        }
    }

    /// Copies the WAL into the database file now, as the checkpointer does every second.
    @discardableResult
    func checkpointWAL() throws(StoreError) -> (walFrames: Int, copied: Int) {
        do {
            return try checkpointer.checkpointNow()
        } catch {
            throw StoreError.wrap(error, "checkpointing the database \(path)")
        }
    }

    /// Stops copying the WAL into the database file, for good: the file was found damaged, and
    /// what was written since start-up stays in the WAL beside it, for whoever restores it. The
    /// process must then exit without `close` (whose checkpoint would copy it).
    public func abandon() {
        checkpointer.stop()
    }

    /// Closes the database cleanly (WAL checkpointed) and releases the lock.
    public func close() throws(StoreError) {
        checkpointer.stop()
        do {
            _ = try pool.writeWithoutTransaction { db in
                try db.checkpoint(.truncate)
            }
            try pool.close()
        } catch {
            throw StoreError.wrap(error, "closing the database \(path)")
        }
        lock.release()
    }

    /// Runs `body` in a write transaction, wrapping errors with the operation's name.
    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StoreError.wrap(error, operation)
        }
    }

    /// Runs `body` on a read connection (never blocked by the writer in WAL mode).
    func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError.wrap(error, operation)
        }
    }
}

/// Copies the WAL back into the database file on its own connection and queue, so that no write
/// waits for it. A PASSIVE checkpoint takes no lock a writer or reader needs: it copies what no
/// reader still needs and leaves the rest for the next round. But the WAL starts over only when a
/// checkpoint has copied every frame and no reader is reading from it, which never happens while
/// checks keep being written and read (a soak at 1,000 checks/s grew the WAL by 45 MB a second,
/// to 3.3 GB in 70 s). So once the WAL holds more than `restartFrames`, a RESTART checkpoint runs
/// on the writer's own queue: writes wait while it copies what the PASSIVE round left and waits
/// for the readers of the moment (milliseconds), and the next write starts the WAL over
/// (`journal_size_limit` gives the file's space back).
// @unchecked: the timer is set once in init and only cancelled after; DispatchSource is thread-safe.
final class Checkpointer: @unchecked Sendable {
    /// How often the WAL is copied back; SQLite's own threshold of 1,000 pages is about the WAL
    /// a busy daemon writes in a second.
    struct Settings {
        var interval: DispatchTimeInterval = .seconds(1)
        var restartFrames = Checkpointer.restartFrames
    }
    /// The WAL file is truncated to this when it is restarted (bytes).
    static let walSizeLimit = 64 << 20
    /// WAL frames (pages) past which the remainder is copied on the writer's queue: 16 MB.
    static let restartFrames = 4096
    /// Frames a round may leave before the next round follows at once.
    static let leftoverFrames = 256

    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "domain-verifier.checkpoint", qos: .utility)
    private let timer: DispatchSourceTimer

    /// `finish` runs a RESTART checkpoint on the writer's queue.
    init(path: String, settings: Settings, finish: @escaping @Sendable () throws -> Void) throws {
        var configuration = Configuration()
        configuration.label = "domain-verifier.checkpoint"
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // The checkpoint syncs the WAL before copying and the database file after, as FULL says.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + settings.interval, repeating: settings.interval, leeway: .milliseconds(10))
        timer.setEventHandler { [connection] in
            // A failure here (disk full, I/O error) leaves the WAL longer; the writes that need the
            // space report it themselves.
            // Rounds until what is left is what came in during the last one (a few at most), so
            // that the RESTART below, which holds the writer, has little left to copy.
            var round = try? Self.checkpoint(connection)
            var rounds = 1
            while let last = round, last.walFrames - last.copied > Self.leftoverFrames, rounds < 4 {
                round = try? Self.checkpoint(connection)
                rounds += 1
            }
            if let round, round.walFrames > settings.restartFrames {
                try? finish()
            }
        }
        timer.resume()
    }

    /// One PASSIVE checkpoint now; returns the WAL's frames and how many of them are in the database.
    @discardableResult
    func checkpointNow() throws -> (walFrames: Int, copied: Int) {
        try queue.sync { try Self.checkpoint(connection) }
    }

    private static func checkpoint(_ connection: DatabaseQueue) throws -> (walFrames: Int, copied: Int) {
        try connection.inDatabase { db in
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            return (row?[1] ?? 0, row?[2] ?? 0)
        }
    }

    deinit {
        timer.cancel()
    }

    /// Stops the timer and closes the connection; the store's close checkpoints what is left.
    func stop() {
        timer.cancel()
        queue.sync {}
        try? connection.close()
    }
}

/// A Bool shared between threads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var state = false
    var value: Bool {
        get { lock.withLock { state } }
        set { lock.withLock { state = newValue } }
    }
}

/// An exclusive lock on `<database>.lock`, so that two daemons never share a database.
final class StoreLock: Sendable {
    private let fd: Int32

    init(databasePath: String) throws(StoreError) {
        let path = databasePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw StoreError(code == EROFS || code == EACCES ? .readOnly : .other,
                             "cannot open the lock file \(path): \(String(cString: strerror(code)))"
                                 + (code == EROFS || code == EACCES ? "; the state directory must be writable by the daemon" : ""))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            Glibc.close(fd)
            throw StoreError(.locked, "the database \(databasePath) is in use by another process\(holder.map { $0.isEmpty ? "" : " (pid \($0))" } ?? ""); stop it first")
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    func release() {
        flock(fd, LOCK_UN)
    }

    deinit {
        Glibc.close(fd)
    }
}
