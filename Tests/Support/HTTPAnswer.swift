// An HTTP response as the tests read it off the daemon's socket, and the one parser of its head.
import Foundation

/// An HTTP answer from the daemon's socket.
public struct HTTPAnswer: Sendable, CustomStringConvertible {
    public let status: Int
    /// Header names lower-cased.
    public let headers: [String: String]
    public let body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var description: String { "\(status) \(text.prefix(600))" }

    /// The body as a JSON object.
    public var object: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// A response head (without its blank line): the status line's code and the headers, names
    /// lower-cased; nil when the status line is not HTTP's.
    public static func head(_ bytes: some Collection<UInt8>) -> (status: Int, headers: [String: String])? {
        let head = String(decoding: bytes, as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (status, headers)
    }

    /// The first response in `bytes`, its body cut at Content-Length, if there is a whole head.
    public static func parse(_ bytes: [UInt8]) -> HTTPAnswer? {
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)),
              let (status, headers) = head(bytes[..<end.lowerBound]) else { return nil }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        return HTTPAnswer(status: status, headers: headers, body: Data(bytes[end.upperBound...].prefix(length)))
    }
}
