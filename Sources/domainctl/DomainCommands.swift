// The subcommands of spec §10: their arguments, help and checks; the work is DomainCtlKit's Commands.
import ArgumentParser
import DomainCtlKit
import VerifierAPIModels
import VerifierCore

/// A domain's name (or id) as the commands take it.
struct DomainName: ParsableArguments {
    @Argument(help: "The domain's name, or its id.")
    var name: String

    func validate() throws {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("The domain name is empty.") }
    }
}

/// The statuses `list --status` accepts (spec §4).
enum DomainStatusArgument: String, ExpressibleByArgument, CaseIterable {
    case notStarted = "not_started", pending, verified, temporaryFailure = "temporary_failure", failed
}

/// `on` or `off`, as `update` takes the tracking settings.
enum OnOff: String, ExpressibleByArgument, CaseIterable {
    case on, off
    var isOn: Bool { self == .on }
}

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a domain; prints the DNS records to publish.")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    @Option(help: ArgumentHelp("The sending region (default: the daemon's, us-east-1).", valueName: "region"))
    var region: String?

    @Option(help: ArgumentHelp("The return-path subdomain (default: send).", valueName: "label"))
    var returnPath: String?

    @Flag(help: "Track opens.")
    var openTracking = false

    @Flag(help: "Track clicks.")
    var clickTracking = false

    @Option(help: ArgumentHelp("DKIM RSA key size: 1024 or 2048 (default: the daemon's, 2048).", valueName: "bits"))
    var dkimKeySize: Int?

    func validate() throws {
        if let dkimKeySize, ![1024, 2048].contains(dkimKeySize) {
            throw ValidationError("--dkim-key-size must be 1024 or 2048, not \(dkimKeySize).")
        }
    }

    func run() throws {
        try root.commands().add(CreateDomainRequest(
            name: domain.name, region: region, customReturnPath: returnPath,
            openTracking: openTracking ? true : nil, clickTracking: clickTracking ? true : nil, dkimKeySize: dkimKeySize))
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the domains.")

    @ParentCommand var root: DomainCtl

    @Option(help: ArgumentHelp("Only domains with this status.", valueName: "status"))
    var status: DomainStatusArgument?

    func run() throws {
        try root.commands().list(status: status?.rawValue)
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a domain: status, verification times, records and every diagnostic with its fix.")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    func run() throws {
        try root.commands().show(domain.name)
    }
}

struct Records: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a domain's DNS records in full, for copying into a DNS host.")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    @Flag(help: "Print them as BIND zone-file lines.")
    var zone = false

    func run() throws {
        try root.commands().records(domain.name, zone: zone)
    }
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start or re-run a domain's verification.",
        discussion: "With --wait, exits 0 once the domain is verified, 1 when it failed or the wait timed out.")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    @Flag(help: "Wait until the domain is verified or failed, printing each status change.")
    var wait = false

    @Option(help: ArgumentHelp("How long --wait waits, e.g. 90s, 10m, 1h (default: 10m).", valueName: "duration"))
    var timeout: String?

    func validate() throws {
        guard let timeout else { return }
        guard wait else { throw ValidationError("--timeout applies to --wait only.") }
        do {
            if try DurationText.parse(timeout) <= 0 { throw ValidationError("--timeout must be longer than 0.") }
        } catch let error as DurationText.ParseError {
            throw ValidationError("--timeout: \(error)")
        }
    }

    func run() throws {
        let commands = root.commands()
        guard wait else { return try commands.verify(domain.name) }
        try commands.verifyAndWait(domain.name, timeout: try DurationText.parse(timeout ?? "10m"))
    }
}

struct Update: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Change a domain's tracking settings.")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    @Option(help: ArgumentHelp("Open tracking.", valueName: "on|off"))
    var openTracking: OnOff?

    @Option(help: ArgumentHelp("Click tracking.", valueName: "on|off"))
    var clickTracking: OnOff?

    func validate() throws {
        if openTracking == nil && clickTracking == nil {
            throw ValidationError("Give --open-tracking or --click-tracking (on or off), or both.")
        }
    }

    func run() throws {
        try root.commands().update(domain.name, openTracking: openTracking?.isOn, clickTracking: clickTracking?.isOn)
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a domain (its history stays in the audit log).")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    func run() throws {
        try root.commands().remove(domain.name)
    }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a domain's status changes and checks, newest first.")

    @ParentCommand var root: DomainCtl
    @OptionGroup var domain: DomainName

    @Option(help: ArgumentHelp("How many entries.", valueName: "n"))
    var limit = 20

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        try root.commands().history(domain.name, limit: limit)
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon's version, uptime, domain counts, schedule and resolver.")

    @ParentCommand var root: DomainCtl

    func run() throws {
        try root.commands().status()
    }
}

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the daemon reload its configuration; returns when it is done.")

    @ParentCommand var root: DomainCtl

    func run() throws {
        try root.commands().reload()
    }
}
