// Picking a loopback port for a test server to listen on.
import Foundation

/// A port on 127.0.0.1 that was free for both UDP and TCP a moment ago.
///
/// Another process may take it before the caller binds it; callers retry on a bind failure.
func freeLoopbackPort() throws -> UInt16 {
    for _ in 0..<50 {
        let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer {
            close(tcp)
            close(udp)
        }
        guard tcp >= 0, udp >= 0 else { break }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        guard bindSocket(tcp, &address) else { continue }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(tcp, $0, &length) }
        }
        guard named == 0, bindSocket(udp, &address) else { continue }
        return UInt16(bigEndian: address.sin_port)
    }
    throw TestServerError("Finding a free UDP+TCP port on 127.0.0.1", output: String(cString: strerror(errno)))
}

private func bindSocket(_ fd: Int32, _ address: inout sockaddr_in) -> Bool {
    withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}
