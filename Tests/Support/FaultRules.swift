// The rules that tell faultdns.py which fault to inject for which query.
import Foundation

/// What FaultDNSServer does with a query; encoded as the action text faultdns.py reads.
public enum FaultAction: Encodable, Sendable, Equatable {
    case servfail
    case refused
    case nxdomain
    case formerr
    /// Never answer: the client times out.
    case drop
    /// Random bytes that are not a DNS answer to the query.
    case garbage
    /// A valid answer (proxied, or empty without an upstream) under a different message id.
    case wrongID
    /// Proxy to the upstream and answer this long after the query arrived.
    case slow(milliseconds: Int)
    /// Over UDP an empty answer with TC=1; over TCP the connection is closed unanswered.
    case truncateTCPFail
    /// Forward to the upstream and relay its answer.
    case proxy
    /// Answer with these zone-file records; relative names are relative to the query name, so
    /// `@ TXT "v=spf1 -all"` answers any name asked. The TTL defaults to 60.
    case answer([String])
    /// Any action text, as faultdns.py reads it (an unknown one is answered SERVFAIL).
    case raw(String)

    /// The action as written in the rules file.
    public var text: String {
        switch self {
        case .servfail: "servfail"
        case .refused: "refused"
        case .nxdomain: "nxdomain"
        case .formerr: "formerr"
        case .drop: "drop"
        case .garbage: "garbage"
        case .wrongID: "wrong_id"
        case .slow(let milliseconds): "slow:\(milliseconds)"
        case .truncateTCPFail: "truncate_tcp_fail"
        case .proxy: "proxy"
        case .answer(let records): "answer:" + records.joined(separator: "\n")
        case .raw(let text): text
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// faultdns.py's rules: the first rule whose suffix and (optional) query type match decides.
public struct FaultRules: Encodable, Sendable {
    public struct Rule: Encodable, Sendable {
        /// A domain name; matches itself and every name below it, case-insensitively. "" matches all.
        public var suffix: String
        /// A query type such as "TXT"; nil matches every type.
        public var qtype: String?
        public var action: FaultAction

        public init(suffix: String, qtype: String? = nil, action: FaultAction) {
            self.suffix = suffix
            self.qtype = qtype
            self.action = action
        }
    }

    /// Tried in order; the first match decides.
    public var rules: [Rule]
    /// What to do when no rule matches.
    public var `default`: FaultAction

    /// Rules tried in order, and what to do when none matches.
    public init(_ rules: [Rule] = [], default: FaultAction = .refused) {
        self.rules = rules
        self.default = `default`
    }
}
