// A small blocking HTTP/1.1 client over an AF_UNIX stream socket: one request per connection.
//
// Why hand-written: of the HTTP clients among the packages this project may use, none talks to
// a Unix socket without bringing SwiftNIO (async-http-client) — an event loop, its threads and
// a much larger binary for a CLI that sends one request and should start instantly.
// URLSession cannot reach a Unix socket on Linux at all. One request with `Connection: close`
// needs only socket, connect, send and read.
import Foundation
import VerifierCore
import VerifierAPIModels

/// Sends each request on a new connection to `socketPath` and reads the whole response.
public struct UnixSocketHTTPClient: HTTPTransport {
    /// 16 MiB: a page of 100 domains with records and diagnostics is a few hundred KiB.
    public static let defaultMaxResponseBytes = 16 * 1024 * 1024

    public let socketPath: String
    /// The whole exchange — connect, send, receive — must finish within this many seconds.
    public let timeout: TimeInterval
    /// A body larger than this is refused (`responseTooLarge`) without being read to its end.
    public let maxResponseBytes: Int

    public init(socketPath: String, timeout: TimeInterval = 30, maxResponseBytes: Int = defaultMaxResponseBytes) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    public func send(_ request: HTTPRequest) throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        let descriptor = try connect()
        defer { close(descriptor) }
        try writeAll(encode(request), to: descriptor, deadline: deadline)
        var parser = HTTPResponseParser(maxBodyBytes: maxResponseBytes) {
            try self.read(from: descriptor, deadline: deadline)
        }
        do {
            return try parser.parse()
        } catch let error as HTTPFramingError {
            throw HTTPClientError(error.code, socketPath: socketPath, detail: error.detail)
        }
    }

    /// The request's bytes: `Host` because HTTP/1.1 requires one, `Connection: close` because
    /// each command sends one request, so the end of the stream may end a body.
    func encode(_ request: HTTPRequest) -> [UInt8] {
        var head = "\(request.method) \(request.target) HTTP/1.1\r\n"
        head += "Host: localhost\r\n"
        head += "User-Agent: domainctl/\(Version.string)\r\n"
        head += "Accept: application/json, text/plain\r\n"
        head += "Connection: close\r\n"
        if let body = request.body {
            head += "Content-Type: application/json\r\n"
            head += "Content-Length: \(body.count)\r\n"
        } else if ["POST", "PUT", "PATCH"].contains(request.method) {
            head += "Content-Length: 0\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + (request.body.map { Array($0) } ?? [])
    }

    // MARK: Socket

    private func connect() throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw HTTPClientError(.unreachable, socketPath: socketPath,
                                  detail: "a socket path must be 1 to \(capacity - 1) bytes long, this one has \(pathBytes.count)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }

        let descriptor: Int32
        do {
            descriptor = try systemCall("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        } catch {
            throw HTTPClientError(.unreachable, socketPath: socketPath, detail: error.description, systemError: error)
        }
        do {
            // A Unix-socket connect blocks while the listener's backlog is full; SO_SNDTIMEO bounds that wait.
            var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
            try systemCall("setsockopt") {
                setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            }
            try connectRetryingInterrupts(descriptor, &address)
        } catch {
            close(descriptor)
            let code: HTTPClientError.Code = error.errno == EAGAIN ? .timedOut : .unreachable
            throw HTTPClientError(code, socketPath: socketPath, detail: error.description, systemError: error)
        }
        return descriptor
    }

    private func connectRetryingInterrupts(_ descriptor: Int32, _ address: inout sockaddr_un) throws(SystemCallError) {
        let length = socklen_t(MemoryLayout<sockaddr_un>.size)
        var interrupted = false
        while true {
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, length) }
            }
            if result == 0 { return }
            let code = errno
            if code == EINTR { interrupted = true; continue }
            // A connect interrupted by a signal may have completed meanwhile.
            if code == EISCONN && interrupted { return }
            throw SystemCallError(function: "connect", errno: code)
        }
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32, deadline: ContinuousClock.Instant) throws {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT), on: descriptor, deadline: deadline, while: "sending the request")
            do {
                // send with MSG_NOSIGNAL, not write: a daemon that closes early must not kill us with SIGPIPE.
                let sent = try systemCall("send") {
                    bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                }
                offset += sent
            } catch {
                let code: HTTPClientError.Code = error.errno == EAGAIN ? .timedOut : .connectionClosed
                throw HTTPClientError(code, socketPath: socketPath,
                                      detail: "while domainctl was sending the request (\(error))", systemError: error)
            }
        }
    }

    private func read(from descriptor: Int32, deadline: ContinuousClock.Instant) throws -> [UInt8] {
        try wait(for: Int16(POLLIN), on: descriptor, deadline: deadline, while: "waiting for the response")
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        do {
            let count = try systemCall("read") {
                chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            }
            return Array(chunk[..<count])
        } catch {
            throw HTTPClientError(.connectionClosed, socketPath: socketPath,
                                  detail: "while domainctl was reading the response (\(error))", systemError: error)
        }
    }

    /// Blocks until `descriptor` is ready for `events` or the deadline passes (then `timedOut`).
    private func wait(for events: Int16, on descriptor: Int32, deadline: ContinuousClock.Instant, while doing: String) throws {
        while true {
            let remaining = deadline - ContinuousClock.now
            let milliseconds = remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000
            guard milliseconds > 0 else {
                throw HTTPClientError(.timedOut, socketPath: socketPath,
                                      detail: "no complete answer within \(DurationText.format(timeout)) (while \(doing))")
            }
            var poller = pollfd(fd: descriptor, events: events, revents: 0)
            let ready: Int32
            do {
                ready = try systemCall("poll") { poll(&poller, 1, Int32(clamping: milliseconds)) }
            } catch {
                throw HTTPClientError(.unreachable, socketPath: socketPath, detail: error.description, systemError: error)
            }
            // POLLHUP and POLLERR count as ready: the read or send that follows reports them.
            if ready > 0 { return }
        }
    }
}
