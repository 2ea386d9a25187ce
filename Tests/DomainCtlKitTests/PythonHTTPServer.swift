// A real HTTP peer for the client tests: Python's http.server on a Unix socket, answering canned responses.
import Foundation
import TestSupport

/// One canned answer, keyed by "METHOD /target" in `PythonHTTPServer(routes:)`.
struct CannedResponse: Encodable {
    /// How the body goes out: `length` (Content-Length), `chunked`, `eof` (no framing, then close),
    /// `truncate` (announces 1000 bytes more than it sends, then closes), `silent` (never answers),
    /// `huge_declared` (announces `length` bytes), `huge_chunked` (`chunks` chunks of 1 MiB),
    /// `raw` (writes `raw` as is, then closes).
    var mode = "length"
    var status = 200
    var headers: [[String]] = [["Content-Type", "application/json"]]
    var body = ""
    /// Sends `HTTP/1.1 102 Processing` before the response.
    var interim = false
    var chunkSize = 7
    var length = 0
    var chunks = 0
    var raw = ""
}

/// A request as the server received it.
struct LoggedRequest: Decodable {
    var method: String
    var target: String
    /// Lower-cased names.
    var headers: [String: String]
    var body: String
}

/// Starts `python3 server.py` in a temporary directory; the socket is listening once `init` returns.
final class PythonHTTPServer {
    let socketPath: String
    private let directory: TemporaryDirectory
    private let process: ChildProcess
    /// The server's stdin: when this test process dies without stopping it, the pipe closes and the server exits.
    private let lifeline = Pipe()
    private let logPath: String
    private let errorPath: String

    init(routes: [String: CannedResponse]) throws {
        directory = try TemporaryDirectory()
        socketPath = directory.path + "/admin.sock"
        logPath = directory.path + "/requests.jsonl"
        errorPath = directory.path + "/server.err"
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let routesPath = try directory.file("routes.json", contents: try encoder.encode(routes))
        let script = try directory.file("server.py", contents: Data(Self.script.utf8))
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)

        // ChildProcess (posix_spawn): a long-lived server must not keep another child's descriptors.
        process = try ChildProcess("python3", [script, socketPath, routesPath, logPath], stdin: lifeline,
                                   stderr: try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath)))
        try waitForSocket()
    }

    /// The server binds a temporary name and renames it after listen(), so the file's appearance means "listening".
    private func waitForSocket() throws {
        let deadline = Date(timeIntervalSinceNow: 20)
        while !FileManager.default.fileExists(atPath: socketPath) {
            guard process.isRunning, Date() < deadline else {
                let log = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
                throw TestServerError("Starting the Python HTTP server on \(socketPath)", output: log)
            }
            usleep(2_000)
        }
    }

    /// Every request received so far, in order.
    func requests() throws -> [LoggedRequest] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(LoggedRequest.self, from: Data($0.utf8)) }
    }

    deinit {
        process.stop(grace: 1)
        try? lifeline.fileHandleForWriting.close()
    }

    private static let script = #"""
        import json, os, socketserver, sys, threading, time
        from http.server import BaseHTTPRequestHandler

        socket_path, routes_path, log_path = sys.argv[1:4]
        with open(routes_path) as f:
            ROUTES = json.load(f)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def do_GET(self):
                self.answer()

            do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                with open(log_path, "a") as log:
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    log.write(json.dumps({"method": self.command, "target": self.path, "headers": headers, "body": body}) + "\n")
                route = ROUTES.get(f"{self.command} {self.path}") or {
                    "mode": "length", "status": 404, "headers": [["Content-Type", "application/json"]],
                    "body": json.dumps({"statusCode": 404, "name": "not_found",
                                        "message": f"no canned response for {self.command} {self.path}"}),
                    "interim": False,
                }
                self.close_connection = True
                mode = route["mode"]
                payload = route["body"].encode()
                try:
                    if mode == "silent":
                        time.sleep(60)
                        return
                    if mode == "raw":
                        self.wfile.write(route["raw"].encode())
                        return
                    if route["interim"]:
                        self.wfile.write(b"HTTP/1.1 102 Processing\r\n\r\n")
                    self.send_response(route["status"])
                    for name, value in route["headers"]:
                        self.send_header(name, value)
                    if mode == "length":
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload)
                    elif mode == "chunked":
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        size = route["chunk_size"]
                        for start in range(0, len(payload), size):
                            piece = payload[start:start + size]
                            self.wfile.write(b"%x;note=1\r\n" % len(piece) + piece + b"\r\n")
                            self.wfile.flush()
                        self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")
                    elif mode == "eof":
                        self.end_headers()
                        self.wfile.write(payload)
                    elif mode == "truncate":
                        self.send_header("Content-Length", str(len(payload) + 1000))
                        self.end_headers()
                        self.wfile.write(payload)
                    elif mode == "huge_declared":
                        self.send_header("Content-Length", str(route["length"]))
                        self.end_headers()
                        self.wfile.write(b"x" * min(route["length"], 1 << 20))
                    elif mode == "huge_chunked":
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        piece = b"x" * (1 << 20)
                        for _ in range(route["chunks"]):
                            self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass

        class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
            daemon_threads = True

        def exit_with_the_test_process():
            sys.stdin.buffer.read()
            os._exit(0)

        threading.Thread(target=exit_with_the_test_process, daemon=True).start()

        binding = socket_path + ".binding"
        server = Server(binding, Handler)
        os.rename(binding, socket_path)
        server.serve_forever()
        """#
}
