// domain-verifier-bench: every figure of `make bench`, each next to its goal, with its reference run.
import ArgumentParser
import Foundation

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain-verifier-bench",
        abstract: "Performance figures of domain-verifier, each against a reference measured in the same run.",
        subcommands: [ResolverBench.self, DaemonBench.self, StoreBench.self, CreateBench.self, ScaleBench.self],
        defaultSubcommand: ResolverBench.self)

    static func machine() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB"
    }
}
