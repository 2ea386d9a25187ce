// The admin API server: HTTP/1.1 on a Unix socket (its own, or the one systemd passes), with limits
// on connections, request size and time so that a slow or hostile client cannot stall others.
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Limits that keep one client from stalling the others.
public struct ServerLimits: Sendable {
    public var maxConnections: Int
    public var maxBodyBytes: Int
    /// A request must arrive whole within this time of the connection opening or the previous answer.
    public var requestTimeout: TimeAmount
    /// A kept-alive connection with no request is closed after this long.
    public var idleTimeout: TimeAmount
    /// After a 413 or 431, what the client still sends is read and dropped for at most this long
    /// and this many bytes, so that it sees the answer (see `AdminHTTPHandler.reject`).
    public var lingerTime: TimeAmount
    public var lingerBytes: Int

    public init(maxConnections: Int = 256, maxBodyBytes: Int = 64 * 1024,
                requestTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60),
                lingerTime: TimeAmount = .seconds(2), lingerBytes: Int = 4 * 1024 * 1024) {
        self.maxConnections = maxConnections
        self.maxBodyBytes = maxBodyBytes
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.lingerTime = lingerTime
        self.lingerBytes = lingerBytes
    }
}

/// Where the server listens.
public enum ListenSocket: Sendable {
    /// Create the socket at this path, mode 0660, owned by `group` when that group exists.
    case path(String, group: String)
    /// A listening socket systemd passed (`sd_listen_fds`).
    case inherited(Int32)
}

public struct AdminServerError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// `struct ucred` of <sys/socket.h>, which Swift's Glibc module leaves out (it needs _GNU_SOURCE).
struct KernelPeerCredentials: Sendable {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
}

/// Over the connection limit: answers 503 as soon as the connection is active, then closes it.
final class BusyRefusal: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let body = #"{"statusCode":503,"name":"service_unavailable","message":"too many connections to the admin socket; retry shortly"}"#
        let response = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n\(body)"
        let channel = context.channel
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// The buffer for SO_PEERGROUPS (Linux 4.13+): the peer's supplementary group ids.
struct KernelPeerGroups: Sendable {
    /// SO_PEERGROUPS from <asm-generic/socket.h>, which Swift's Glibc module does not export.
    static let option: Int32 = 59
    var gids = InlineArray<64, UInt32>(repeating: 0)
}

/// Serves a `Router` over HTTP/1.1.
public final class AdminServer: @unchecked Sendable {
    private let router: @Sendable () -> Router
    private let access: @Sendable (PeerCredentials) -> Bool
    private let limits: ServerLimits
    private let logger: Logger
    private let onResponse: @Sendable (Int) -> Void
    /// Pipelined requests wait for the end of the loop's tick (see `TickFairness`).
    private let fairness = TickFairness()
    private let group: MultiThreadedEventLoopGroup
    private let connections = NIOLockedValueBox(0)
    /// Route handlers may block (SQLite, key generation): they run on threads of their own, never
    /// on the event loop and never on Dispatch's shared pool. Reads run side by side on a few
    /// threads. Changes run one after another on one thread, as SQLite would serialize them anyway:
    /// a burst of domain creations, each blocked for a key for a fifth of a second, used to hold
    /// every thread a concurrent Dispatch queue had (as many as cores) and left reads, and the
    /// store's writes of finished checks, waiting for seconds (`make bench`, create part). And a
    /// process whose Dispatch pool is held by blocked work (255 threads at most on Linux) left the
    /// API unanswered until it freed up (`AdminServerQueueTests`, in a test process running the
    /// crash campaign beside it).
    private let workers = NIOThreadPool(numberOfThreads: max(4, ProcessInfo.processInfo.activeProcessorCount))
    private let mutations = NIOThreadPool(numberOfThreads: 1)
    private var channel: Channel?

    /// `router` and `access` are read for every request, so a reload can replace them.
    public init(router: @escaping @Sendable () -> Router, access: @escaping @Sendable (PeerCredentials) -> Bool,
                limits: ServerLimits = ServerLimits(), logger: Logger, onResponse: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.router = router
        self.access = access
        self.limits = limits
        self.logger = logger
        self.onResponse = onResponse
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1, metricsDelegate: fairness)
    }

    /// Starts listening; returns once the socket accepts connections.
    public func start(_ socket: ListenSocket) throws {
        workers.start()
        mutations.start()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelInitializer { [self] channel in
                let accepted = connections.withLockedValue { count -> Bool in
                    guard count < limits.maxConnections else { return false }
                    count += 1
                    return true
                }
                guard accepted else {
                    // Answered once the channel is active, then closed: the descriptor is released.
                    return channel.pipeline.addHandler(BusyRefusal())
                }
                channel.closeFuture.whenComplete { [connections] _ in connections.withLockedValue { $0 -= 1 } }
                return peerCredentials(channel).flatMap { [self] peer in
                    // A client that pipelines requests and never reads the answers: without this,
                    // the server kept reading and answering into memory (200 such clients: RSS
                    // 39 -> 98 MB, and a well-behaved GET waited over 10 s). Reading stops while
                    // the answers already written wait for the client.
                    channel.pipeline.addHandler(BackPressureHandler()).flatMap {
                    channel.pipeline.addHandler(ConnectionDeadlineHandler(requestTimeout: self.limits.requestTimeout,
                                                                          idleTimeout: self.limits.idleTimeout)).flatMap {
                    // Protocol errors are answered by AdminHTTPHandler, as JSON like every other error.
                    channel.pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
                    }}.flatMap {
                        channel.pipeline.addHandler(AdminHTTPHandler(
                            peer: peer, mayWrite: peer.map(self.access) ?? false, router: self.router, limits: self.limits,
                            workers: self.workers, mutations: self.mutations, fairness: self.fairness, logger: self.logger,
                            onResponse: self.onResponse))
                    }
                }
            }
            // A half-close reaches AdminHTTPHandler, which answers the request in hand before closing.
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            // Requests are small (bodies at most 64 KiB): reading 8 KiB at a time bounds what one
            // read of a pipelining client puts before the others (NIO would grow it to 64 KiB).
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 4096, maximum: 8192))
        switch socket {
        case let .path(path, group):
            try Self.prepare(path)
            // The process umask (0077 in the daemon) keeps the fresh socket private until it is 0660.
            channel = try bootstrap.bind(unixDomainSocketPath: path).wait()
            try Self.setPermissions(path, group: group, logger: logger)
        case let .inherited(fd):
            channel = try bootstrap.withBoundSocket(fd).wait()
        }
    }

    /// Stops accepting, closes the listening socket and the event loop.
    public func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
        // Waits for a handler still running (a key being generated), which the closed loop no longer answers.
        try? workers.syncShutdownGracefully()
        try? mutations.syncShutdownGracefully()
    }

    private func peerCredentials(_ channel: Channel) -> EventLoopFuture<PeerCredentials?> {
        guard let provider = channel as? SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let credentials: EventLoopFuture<KernelPeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED))
        // NIO zero-fills the buffer and the kernel writes as many gids as the peer has (up to 64;
        // more fail with ERANGE and the user database is asked instead).
        let groups: EventLoopFuture<KernelPeerGroups> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(KernelPeerGroups.option))
        let optionalGroups = groups.map { Optional($0) }.recover { _ in nil }
        return credentials.and(optionalGroups).map { credentials, groups in
            let list = groups.map { groups in (0..<64).map { groups.gids[$0] }.filter { $0 != 0 } }
            return Optional(PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: list))
        }.flatMapErrorThrowing { [logger] (error: any Error) -> PeerCredentials? in
            logger.warning("Cannot read the peer credentials of a connection: \(error); it may only read.")
            return nil
        }
    }

    /// Creates the socket's directory if missing and removes a stale socket file; refuses when
    /// another process answers on it, or when the path is not a socket.
    static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o755])
            } catch {
                throw AdminServerError(message: "cannot create the socket directory \(directory): \(error.localizedDescription)")
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw AdminServerError(message: "\(path) exists and is not a socket; remove it or choose another socket path")
        }
        if isAnswering(path) {
            throw AdminServerError(message: "another process is serving \(path); stop it first")
        }
        unlink(path)
    }

    static func isAnswering(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let size = socklen_t(MemoryLayout<sockaddr_un>.size)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) == 0 }
        }
    }

    static func setPermissions(_ path: String, group: String, logger: Logger) throws {
        if let entry = getgrnam(group) {
            if chown(path, uid_t.max, entry.pointee.gr_gid) != 0 {
                logger.warning("Cannot give \(path) to group \(group): \(String(cString: strerror(errno))).")
            }
        } else {
            logger.warning("The group \(group) does not exist; \(path) keeps the daemon's group.")
        }
        guard chmod(path, 0o660) == 0 else {
            throw AdminServerError(message: "cannot set mode 0660 on \(path): \(String(cString: strerror(errno)))")
        }
    }
}
