// domain-verifierd: the daemon's entry point. For now it validates its inputs and reports its version.
import ArgumentParser
import VerifierCore

@main
struct DomainVerifierd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain-verifierd",
        abstract: "Verifies that customer domains publish the DNS records a mail platform needs.",
        version: Version.string)

    mutating func run() throws {
        throw ValidationError("domain-verifierd cannot run yet: the scheduler and the admin API are not built (issue 4).")
    }
}
