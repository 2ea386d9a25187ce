// KnotServer's bulk path: many records at once through DNS UPDATE, several messages in flight.
import Foundation

extension KnotServer {
    /// Adds many records at once through DNS UPDATE (`knsupdate` with a TSIG key). Each line is a
    /// zone-file record, `owner [ttl] [IN] TYPE rdata`, with names relative to `zone` (`@` for the
    /// apex) or absolute; the TTL defaults to 60. Blank lines and `;` comments are skipped, and
    /// records already there are kept. Lines are not applied in order: do not rely on the order
    /// for one RRset's TTL.
    public func load(_ zone: String, lines: [String]) throws {
        let origin = Self.absolute(Self.zoneName(zone))
        var messages: [String] = []
        var message = ""
        for line in lines {
            let record = line.trimmingCharacters(in: .whitespaces)
            if record.isEmpty || record.hasPrefix(";") { continue }
            let update = "update add \(record)\n"
            // One UPDATE message must fit in 64 KB, and this text is longer than its wire form.
            if !message.isEmpty, message.utf8.count + update.utf8.count > Self.updateMessageBudget {
                messages.append(message + "send\n")
                message = ""
            }
            message += update
        }
        if !message.isEmpty { messages.append(message + "send\n") }
        guard !messages.isEmpty else { return }

        // knotd commits each UPDATE on its own (~10 ms apiece, whatever its size) but batches the
        // ones that arrive together, so several knsupdate processes at once finish far sooner.
        let header = """
            server 127.0.0.1 \(port)
            zone \(origin)
            origin \(origin)
            ttl 60
            key hmac-sha256:\(Self.tsigKeyName) \(tsigSecret)

            """
        let senders = min(Self.parallelUpdates, messages.count)
        let batch = UUID().uuidString
        var scripts: [(script: String, output: String)] = []
        for index in 0..<senders {
            let body = stride(from: index, to: messages.count, by: senders).map { messages[$0] }.joined()
            let script = try directory.file("knsupdate-\(batch)-\(index).txt", contents: Data((header + body).utf8))
            scripts.append((script, script + ".out"))
        }
        defer {
            for (script, output) in scripts {
                try? FileManager.default.removeItem(atPath: script)
                try? FileManager.default.removeItem(atPath: output)
            }
        }

        editLock.lock()
        defer { editLock.unlock() }
        var processes: [Process] = []
        defer {
            for process in processes { process.waitUntilExit() }
        }
        for (script, output) in scripts {
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: output) else {
                throw TestServerError("Opening \(output)", output: "")
            }
            defer { try? handle.close() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable("knsupdate"))
            process.arguments = ["-v", script]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            processes.append(process)
        }
        var failures: [String] = []
        for (process, (_, output)) in zip(processes, scripts) {
            process.waitUntilExit()
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if process.terminationStatus != 0 || text.contains("ERROR") {
                failures.append(text)
            }
        }
        if !failures.isEmpty {
            throw TestServerError("knsupdate of \(lines.count) lines into \(zone)", output: failures.joined(separator: "\n"))
        }
    }

    static let updateMessageBudget = 60_000
    static let parallelUpdates = 8
}
