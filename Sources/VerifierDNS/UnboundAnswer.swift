// libunbound's ub_result turned into the core's DNSObservation.
import CUnbound
import VerifierCore

package enum UnboundAnswer {
    package static func observation(_ name: String, _ type: RecordType, _ result: ub_result) -> DNSObservation {
        var observation = DNSObservation(name: name, type: type, rcode: DNSRCode(rawValue: Int(result.rcode)))
        if result.bogus != 0 {
            observation.dnssec = .bogus
            observation.whyBogus = result.why_bogus.map { String(cString: $0) }
        } else if result.secure != 0 {
            observation.dnssec = .secure
        }
        if let packet = result.answer_packet, result.answer_len > 0 {
            let bytes = Array(UnsafeRawBufferPointer(start: packet, count: Int(result.answer_len)))
            do {
                let message = try DNSMessage(bytes)
                let (chain, final) = try message.cnameChain(from: name)
                observation.cnameChain = chain
                for record in message.answers where record.owner.dnsNameEquals(final) && record.type == type.code {
                    switch type {
                    case .txt:
                        guard let strings = RData.txtStrings(record.rdata) else {
                            return .failure(name, type, "malformed TXT record in the answer")
                        }
                        observation.txt.append(TXTRecord(strings: strings))
                    case .mx:
                        guard record.rdata.count >= 3 else { return .failure(name, type, "malformed MX record in the answer") }
                        let preference = UInt16(record.rdata[record.rdata.startIndex]) << 8 | UInt16(record.rdata[record.rdata.startIndex + 1])
                        let exchange = try message.name(at: record.rdataOffset + 2)
                        observation.mx.append(MXRecord(preference: preference, exchange: exchange.isEmpty ? "." : exchange))
                    case .cname:
                        break
                    }
                }
            } catch {
                return .failure(name, type, "malformed answer: \(error.reason)")
            }
        }
        return observation
    }
}
