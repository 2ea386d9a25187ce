// Reads one HTTP/1.x response from a byte stream: status line, headers, and a body framed by
// Content-Length, chunked transfer coding, or the end of the connection; every part bounded.
import Foundation

/// A response that cannot be read, before the socket path is known to name it.
package struct HTTPFramingError: Error, Equatable {
    package var code: HTTPClientError.Code
    package var detail: String
}

/// Parses a response pulled from `readMore`, which returns the next bytes, or none at the end of the stream.
package struct HTTPResponseParser {
    /// The status line, header lines and chunk trailers together.
    static let maxHeadBytes = 64 * 1024
    /// A chunk-size line: hex digits plus extensions nobody needs.
    static let maxChunkLineBytes = 1024

    private let maxBodyBytes: Int
    private let readMore: () throws -> [UInt8]
    private var buffer: [UInt8] = []
    private var position = 0
    private var received = 0
    private var headBytes = 0

    /// `readMore` may throw `HTTPFramingError` (a timeout, a reset); other errors pass through unchanged.
    package init(maxBodyBytes: Int, readMore: @escaping () throws -> [UInt8]) {
        self.maxBodyBytes = maxBodyBytes
        self.readMore = readMore
    }

    package mutating func parse() throws -> HTTPResponse {
        var head = try readHead()
        // Interim 1xx responses (RFC 9110 §15.2) have no body; the final one follows.
        while (100..<200).contains(head.status) && head.status != 101 {
            head = try readHead()
        }
        let body = try readBody(status: head.status, headers: head.headers)
        return HTTPResponse(status: head.status, reason: head.reason, headers: head.headers, body: body)
    }

    // MARK: Head

    private mutating func readHead() throws -> (status: Int, reason: String, headers: [HTTPHeader]) {
        let statusLine = try readHeadLine(what: "the status line")
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3,
              let status = Int(parts[1]), status >= 100 else {
            throw HTTPFramingError(code: .malformedResponse, detail: "bad status line \"\(statusLine.prefix(80))\"")
        }
        let reason = parts.count == 3 ? String(parts[2]) : ""
        var headers: [HTTPHeader] = []
        while true {
            let line = try readHeadLine(what: "the headers")
            if line.isEmpty { break }
            headers.append(try header(from: line))
        }
        return (status, reason, headers)
    }

    private func header(from line: String) throws -> HTTPHeader {
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
              !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else {
            throw HTTPFramingError(code: .malformedResponse, detail: "bad header line \"\(line.prefix(80))\"")
        }
        let value = line[line.index(after: colon)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        return HTTPHeader(name: String(line[..<colon]), value: value)
    }

    private mutating func readHeadLine(what: String) throws -> String {
        let budget = Self.maxHeadBytes - headBytes
        guard let line = try readLine(limit: budget) else {
            let detail = received == 0 ? "before answering" : "in the middle of \(what)"
            throw HTTPFramingError(code: .connectionClosed, detail: detail)
        }
        headBytes += line.count + 2
        if headBytes > Self.maxHeadBytes {
            throw HTTPFramingError(code: .malformedResponse, detail: "its header section is longer than \(Self.maxHeadBytes) bytes")
        }
        return String(decoding: line, as: UTF8.self)
    }

    // MARK: Body

    private mutating func readBody(status: Int, headers: [HTTPHeader]) throws -> Data {
        if status == 204 || status == 304 { return Data() }
        let response = HTTPResponse(status: status, headers: headers)
        if let codings = response.header("Transfer-Encoding") {
            let last = codings.split(separator: ",").last?.trimmingCharacters(in: .whitespaces).lowercased()
            // RFC 9112 §6.3: chunked last means chunked framing; any other coding runs to the end of the stream.
            return last == "chunked" ? try readChunkedBody() : try readBodyUntilClose()
        }
        if let lengthText = response.header("Content-Length") {
            let values = Set(lengthText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            guard values.count == 1, let text = values.first, !text.isEmpty, text.allSatisfy(\.isASCII),
                  text.allSatisfy(\.isNumber), let length = Int(text) else {
                throw HTTPFramingError(code: .malformedResponse, detail: "bad Content-Length \"\(lengthText.prefix(40))\"")
            }
            try checkBodySize(length, announced: true)
            return try readExactly(length, what: "the body (\(length) bytes announced)")
        }
        return try readBodyUntilClose()
    }

    private mutating func readChunkedBody() throws -> Data {
        var body = Data()
        while true {
            guard let line = try readLine(limit: Self.maxChunkLineBytes) else {
                throw HTTPFramingError(code: .connectionClosed, detail: "in the middle of a chunked body (after \(body.count) bytes)")
            }
            let sizeText = String(decoding: line.prefix { $0 != UInt8(ascii: ";") }, as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            guard !sizeText.isEmpty, sizeText.count <= 15, let size = Int(sizeText, radix: 16), size >= 0 else {
                throw HTTPFramingError(code: .malformedResponse, detail: "bad chunk size line \"\(String(decoding: line.prefix(40), as: UTF8.self))\"")
            }
            if size == 0 { break }
            try checkBodySize(body.count + size, announced: false)
            body.append(try readExactly(size, what: "a chunk"))
            guard let end = try readLine(limit: 2), end.isEmpty else {
                throw HTTPFramingError(code: .malformedResponse, detail: "a chunk is not followed by CRLF")
            }
        }
        // Trailer fields, up to the empty line that ends the message; nothing here needs them.
        while true {
            let line = try readHeadLine(what: "the chunked trailer")
            if line.isEmpty { return body }
        }
    }

    private mutating func readBodyUntilClose() throws -> Data {
        var body = Data(buffer[position...])
        position = buffer.count
        try checkBodySize(body.count, announced: false)
        while true {
            let more = try readMore()
            if more.isEmpty { return body }
            received += more.count
            try checkBodySize(body.count + more.count, announced: false)
            body.append(contentsOf: more)
        }
    }

    private func checkBodySize(_ size: Int, announced: Bool) throws {
        guard size > maxBodyBytes else { return }
        let detail = announced
            ? "it announces \(size) bytes, more than the \(maxBodyBytes) bytes domainctl accepts"
            : "its body passed the \(maxBodyBytes) bytes domainctl accepts"
        throw HTTPFramingError(code: .responseTooLarge, detail: detail)
    }

    // MARK: Bytes

    /// The next line without its line ending (CRLF, or a bare LF as RFC 9112 §2.2 allows);
    /// nil at the end of the stream before any byte of it. Throws when the line passes `limit` bytes.
    private mutating func readLine(limit: Int) throws -> [UInt8]? {
        // Counted from `position`, which `fill` may move when it compacts the buffer.
        var searched = 0
        while true {
            if let newline = buffer[(position + searched)...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[position..<newline])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                position = newline + 1
                return line
            }
            searched = buffer.count - position
            if searched > limit {
                throw HTTPFramingError(code: .malformedResponse, detail: "a line of its head or chunk framing is longer than \(limit) bytes")
            }
            guard try fill() else {
                if searched == 0 { return nil }
                throw HTTPFramingError(code: .connectionClosed, detail: "in the middle of a line")
            }
        }
    }

    private mutating func readExactly(_ count: Int, what: String) throws -> Data {
        while buffer.count - position < count {
            guard try fill() else {
                throw HTTPFramingError(code: .connectionClosed, detail: "in the middle of \(what): \(buffer.count - position) of \(count) bytes came")
            }
        }
        let data = Data(buffer[position..<(position + count)])
        position += count
        return data
    }

    /// Appends the next bytes of the stream; false at its end.
    private mutating func fill() throws -> Bool {
        if position > 64 * 1024 {
            buffer.removeFirst(position)
            position = 0
        }
        let more = try readMore()
        if more.isEmpty { return false }
        received += more.count
        buffer.append(contentsOf: more)
        return true
    }
}
