// One client connection to the daemon's socket at the byte level: for clients curl cannot play
// (slow, endless, half-closed, never reading, not HTTP at all) and for timing requests precisely.
import Foundation

/// A blocking AF_UNIX stream connection; every wait is bounded by a deadline.
public final class RawConnection: @unchecked Sendable {
    public let descriptor: Int32
    private var closed = false
    /// How the last `readResponse` that returned nil ended: "end of file", an errno's text, or
    /// nil when its time ran out.
    public private(set) var lastReadEnd: String?

    /// Connects to `path`; a connect blocked by a full backlog gives up after `timeout` seconds.
    public init(_ path: String, timeout: TimeInterval = 10) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestServerError("socket()", output: Self.lastError) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let size = socklen_t(MemoryLayout<sockaddr_un>.size)
        var result: Int32 = -1
        repeat {
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, size) }
            }
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let error = Self.lastError
            Glibc.close(descriptor)
            throw TestServerError("connect \(path)", output: error)
        }
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(descriptor)
    }

    /// Half-closes: the daemon reads end-of-file, this side can still read.
    public func shutdownWriting() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Sends all of `bytes`; false once the daemon has closed (EPIPE, ECONNRESET) or a send timed out.
    @discardableResult
    public func send(_ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let sent = array.withUnsafeBytes { raw in
                Glibc.send(descriptor, raw.baseAddress! + offset, array.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }

    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Waits up to `timeout` seconds for something to read (or end-of-file, or an error).
    public func readable(within timeout: TimeInterval) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, Int32(max(0, timeout * 1000))) > 0
    }

    /// Everything the daemon sends until it closes the connection, or until the deadline (`closed` false).
    public func readToEnd(within timeout: TimeInterval) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, readable(within: left) else { return (bytes, false) }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            // ECONNRESET after the answer: the daemon closed with our unread request bytes pending.
            guard count > 0 else { return (bytes, true) }
            bytes += buffer[0..<count]
        }
    }

    /// Reads one response (head and a Content-Length body) within `timeout` seconds; nil when the
    /// connection closes first or the time runs out.
    public func readResponse(within timeout: TimeInterval) -> HTTPAnswer? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        lastReadEnd = nil
        var pending = pendingBytes
        defer { pendingBytes = pending }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        func fill() -> Bool {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, readable(within: left) else { return false }
            var count: Int
            repeat { count = recv(descriptor, &buffer, buffer.count, 0) } while count < 0 && errno == EINTR
            guard count > 0 else {
                lastReadEnd = count == 0 ? "end of file" : String(cString: strerror(errno))
                return false
            }
            pending += buffer[0..<count]
            return true
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find(separator, in: pending)
            if headEnd == nil && !fill() { return nil }
        }
        guard let (status, headers) = HTTPAnswer.head(pending[0..<headEnd!]) else { return nil }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        let bodyStart = headEnd! + separator.count
        while pending.count < bodyStart + length {
            if !fill() { return nil }
        }
        let body = Data(pending[bodyStart..<(bodyStart + length)])
        pending.removeFirst(bodyStart + length)
        return HTTPAnswer(status: status, headers: headers, body: body)
    }

    /// Bytes read past the last response (a pipelined answer's beginning).
    private var pendingBytes: [UInt8] = []

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }

    public static var lastError: String { String(cString: strerror(errno)) }

    /// A request as bytes: `target` may hold any bytes (invalid UTF-8 included).
    public static func request(_ method: String, _ target: [UInt8], headers: [String] = [], body: [UInt8]? = nil) -> [UInt8] {
        var head = Array("\(method) ".utf8) + target + Array(" HTTP/1.1\r\nHost: localhost\r\n".utf8)
        for header in headers { head += Array("\(header)\r\n".utf8) }
        if let body {
            head += Array("Content-Type: application/json\r\nContent-Length: \(body.count)\r\n".utf8)
            return head + Array("\r\n".utf8) + body
        }
        return head + Array("\r\n".utf8)
    }

    public static func request(_ method: String, _ target: String, headers: [String] = [], body: [UInt8]? = nil) -> [UInt8] {
        request(method, Array(target.utf8), headers: headers, body: body)
    }
}
