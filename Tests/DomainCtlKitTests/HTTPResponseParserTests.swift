// Response framing corner cases, fed from memory in small pieces.
import Foundation
import Testing
@testable import DomainCtlKit

@Suite("HTTPResponseParser")
struct HTTPResponseParserTests {
    /// Parses `text`, handing it over `pieceSize` bytes at a time.
    func parse(_ text: String, pieceSize: Int = 3, maxBodyBytes: Int = 1 << 20) throws -> HTTPResponse {
        var bytes = Array(text.utf8)[...]
        var parser = HTTPResponseParser(maxBodyBytes: maxBodyBytes) {
            defer { bytes = bytes.dropFirst(pieceSize) }
            return Array(bytes.prefix(pieceSize))
        }
        return try parser.parse()
    }

    @Test func testBareLineFeeds_andRepeatedHeaders_areAccepted() throws {
        let response = try parse("HTTP/1.1 200 OK\nVary: a\nVary: b\nContent-Length: 2\n\nhi")
        #expect(response.header("vary") == "a, b")
        #expect(response.body == Data("hi".utf8))
    }

    @Test func testNoContentStatus_hasNoBody_evenIfBytesFollow() throws {
        let response = try parse("HTTP/1.1 204 No Content\r\n\r\nstray")
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
    }

    @Test func testConflictingContentLengths_areMalformed() {
        #expect(throws: HTTPFramingError(code: .malformedResponse, detail: "bad Content-Length \"2, 3\"")) {
            try parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc")
        }
    }

    @Test func testEndlessHeaderSection_isMalformed_notReadForever() {
        let header = "X-Filler: " + String(repeating: "a", count: 1000) + "\r\n"
        let text = "HTTP/1.1 200 OK\r\n" + String(repeating: header, count: 100) + "\r\n"
        let thrown = #expect(throws: HTTPFramingError.self) { try parse(text, pieceSize: 4096) }
        #expect(thrown?.code == .malformedResponse)
    }

    @Test func testEmptyStream_isClosedBeforeAnswering() {
        #expect(throws: HTTPFramingError(code: .connectionClosed, detail: "before answering")) { try parse("") }
    }
}
