// A domain straight into a real store, with the records our policy gives it, for the scheduler tests.
import Foundation
import VerifierCore
import VerifierKeys
import VerifierStore

extension Store {
    /// Creates `name` with `key`'s DKIM record and puts it in `state`, its next check at `next`.
    func addDomain(_ name: String, key: DKIMKeyPair, state: VerificationState, next: DueCheck, at now: Date) throws -> UUID {
        let records = RecordPolicy().records(for: DomainRecordInputs(name: name, region: "us-east-1", returnPath: "send",
                                                                     dkimPublicKey: key.publicKeyBase64, dkimSelector: "resend"))
        let domain = try createDomain(NewDomain(name: name, region: "us-east-1", customReturnPath: "send", openTracking: false,
                                                clickTracking: false, dkimSelector: "resend", dkimKeyBits: 1024,
                                                dkimPublicKey: key.publicKeyBase64, dkimPrivateKeyPEM: key.privateKeyPEM,
                                                records: records, createdAt: now),
                                      audit: AuditEntry(at: now, peerUID: 0, peerPID: 0, action: "domain.create"))
        try applyUpdate(domainID: domain.id, update: StateUpdate(state: state, transition: nil, nextCheck: next, at: now))
        return domain.id
    }
}
