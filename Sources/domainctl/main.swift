// domainctl: the command-line client of domain-verifierd's admin socket.
import ArgumentParser
import VerifierCore

@main
struct DomainCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domainctl",
        abstract: "Administer domain-verifierd through its Unix socket.",
        version: Version.string)

    mutating func run() throws {
        throw ValidationError("domainctl has no commands yet: the admin API is not built (issue 4).")
    }
}
