// The root command: global options, the subcommands, and the mapping of every error to an exit code.
import ArgumentParser
import DomainCtlKit
import Foundation
import VerifierAPIModels

/// Options every command takes, given before the command's name.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The daemon's admin socket (default: $\(SocketPath.environmentVariable), else \(SocketPath.defaultPath)).",
        valueName: "path"), completion: .file())
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's JSON instead of tables.")
    var json = false
}

struct DomainCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domainctl",
        abstract: "Administer domain-verifierd through its Unix socket.",
        discussion: """
            Exit codes: 0 success; 1 the daemon refused (its message is printed) or the command \
            did not reach its goal; 2 usage error; 69 the daemon is unreachable.
            """,
        version: Version.string,
        subcommands: [
            Add.self, List.self, Show.self, Records.self, Verify.self, Update.self, Remove.self,
            History.self, Status.self, Reload.self,
        ])

    /// Errors print as "domainctl: …", the way the command's own failures do.
    static var _errorPrefix: String { "domainctl: " }

    @OptionGroup var global: GlobalOptions

    /// The commands, talking to the socket the options and environment name.
    func commands() -> Commands {
        let path = SocketPath.resolve(flag: global.socket, environment: ProcessInfo.processInfo.environment)
        let client = AdminClient(transport: UnixSocketHTTPClient(socketPath: path))
        // FileHandle writes unbuffered, so that `verify --wait` shows progress through a pipe too.
        return Commands(client: client, json: global.json, output: { text in
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        })
    }

    /// Parses, runs, and exits: 0, 1, 2 or 69 (spec §10), never ArgumentParser's 64.
    static func runAndExit() -> Never {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitForArgumentParser(error)
        }
        do {
            try command.run()
        } catch {
            guard let failure = Failure(error) else { exitForArgumentParser(error) }
            FileHandle.standardError.write(Data("domainctl: \(failure.message)\n".utf8))
            Foundation.exit(failure.status.rawValue)
        }
        Foundation.exit(ExitStatus.success.rawValue)
    }

    /// Help, version and completion requests exit 0 as ArgumentParser prints them; usage errors exit 2.
    private static func exitForArgumentParser(_ error: any Error) -> Never {
        let code = exitCode(for: error).rawValue
        let mapped = ExitStatus.forArgumentParser(code)
        guard mapped != code else { exit(withError: error) }
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(mapped)
    }
}
