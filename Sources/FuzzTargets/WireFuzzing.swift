// Fuzz entry for the DNS wire reader: arbitrary bytes as an answer packet, through the reader and
// through the adapter that turns libunbound's results into observations.
import CUnbound
import VerifierCore
import VerifierDNS

enum WireFuzzing {
    /// Whatever the bytes, the reader throws or returns records whose RDATA lies inside the message;
    /// TXT strings account for every RDATA byte; CNAME chains stay within their bound.
    static func dnsMessage(_ bytes: [UInt8]) throws(InvariantViolation) {
        let message = try? DNSMessage(bytes)
        for record in message?.answers ?? [] {
            try expect(record.rdata.startIndex == record.rdataOffset && record.rdata.endIndex <= bytes.count, "dns",
                       "RDATA \(record.rdata.startIndex)..<\(record.rdata.endIndex) of a \(bytes.count)-byte message")
            if let strings = RData.txtStrings(record.rdata) {
                try expect(strings.reduce(0) { $0 + 1 + $1.count } == record.rdata.count, "dns",
                           "TXT strings cover \(strings.reduce(0) { $0 + 1 + $1.count }) of \(record.rdata.count) RDATA bytes")
            }
            _ = try? message?.name(at: record.rdataOffset)
            if let chain = try? message?.cnameChain(from: record.owner) {
                try expect(chain.chain.count <= 16, "dns", "a CNAME chain of \(chain.chain.count) names")
            }
        }
        let name = message?.answers.first?.owner ?? "example.com"
        var packet = bytes
        for type in [RecordType.txt, .mx, .cname] {
            let observation = packet.withUnsafeMutableBytes { raw in
                var result = ub_result()
                result.rcode = Int32(message?.rcode ?? 0)
                result.answer_packet = raw.baseAddress
                result.answer_len = Int32(raw.count)
                return UnboundAnswer.observation(name, type, result)
            }
            guard observation.failure == nil else { continue }
            try expect(message != nil || bytes.isEmpty, "dns", "a \(type.rawValue) observation from a message the reader refuses")
            try expect(observation.txt.count + observation.mx.count <= message?.answers.count ?? 0, "dns",
                       "more \(type.rawValue) records observed than the answer section holds")
            try expect(observation.mx.allSatisfy { !$0.exchange.isEmpty }, "dns", "an MX record with an empty exchange")
            _ = observation.txt.map(\.text)
        }
    }
}
