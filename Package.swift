// swift-tools-version:6.1
// domain-verifier: a systemd daemon that verifies customers' DNS records for a mail platform.
import PackageDescription

let package = Package(
    name: "domain-verifier",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "domain-verifierd", targets: ["domain-verifierd"]),
        .executable(name: "domainctl", targets: ["domainctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
    ],
    targets: [
        // System libraries from Debian's -dev packages.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        .systemLibrary(name: "CPSL", pkgConfig: "libpsl", providers: [.apt(["libpsl-dev"])]),
        // No pkgConfig: libunbound's .pc file requires libevent's, which Debian's -dev does not pull in.
        .systemLibrary(name: "CUnbound", providers: [.apt(["libunbound-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // The pure core: decides, never does I/O.
        .target(name: "VerifierCore"),

        // Adapters.
        .target(name: "VerifierNames", dependencies: ["VerifierCore", "CIDN2", "CPSL"]),
        .target(name: "VerifierKeys", dependencies: ["VerifierCore", "COpenSSL"]),
        .target(name: "VerifierDNS", dependencies: ["VerifierCore", "CUnbound"]),
        .target(name: "VerifierStore", dependencies: [
            "JSONWriting",
            "VerifierCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // JSON written straight to bytes: the API's frequent answers and the store's check rows.
        .target(name: "JSONWriting"),
        .target(name: "VerifierAPIModels", dependencies: ["JSONWriting"]),
        // domainctl's HTTP client over the admin socket, its commands and human output.
        .target(name: "DomainCtlKit", dependencies: ["VerifierAPIModels", "VerifierCore"]),
        // The admin HTTP API on the Unix socket: routes, limits, peer credentials.
        .target(name: "VerifierAPI", dependencies: [
            "VerifierAPIModels", "JSONWriting",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // sd_notify, the watchdog, socket activation, the journald log handler.
        .target(name: "VerifierSystemd", dependencies: [
            "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Composition: configuration, the scheduler, the domain service, start-up and shutdown.
        .target(name: "VerifierDaemon", dependencies: [
            "VerifierCore", "VerifierNames", "VerifierKeys", "VerifierStore", "VerifierDNS", "VerifierAPIModels", "VerifierAPI",
            "VerifierSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Executables.
        .executableTarget(name: "domain-verifierd", dependencies: [
            "VerifierDaemon", "VerifierAPIModels", "VerifierSystemd",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "domain-verifier-bench", dependencies: [
            "VerifierCore", "VerifierDNS", "VerifierKeys", "VerifierStore", "VerifierAPIModels", "DomainCtlKit", "TestSupport",
            .product(name: "GRDB", package: "GRDB.swift"),
            // SQLite's C API, for the plain-insert reference of the store bench.
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "domainctl", dependencies: [
            "DomainCtlKit", "VerifierAPIModels", "VerifierCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests: one target per source target, and helpers they share.
        .target(name: "TestSupport", path: "Tests/Support", exclude: ["faultdns.py"]),
        .testTarget(name: "VerifierCoreTests", dependencies: ["VerifierCore", "TestSupport"]),
        .testTarget(name: "VerifierNamesTests", dependencies: ["VerifierNames"]),
        .testTarget(name: "VerifierKeysTests", dependencies: ["VerifierKeys", "TestSupport"]),
        .testTarget(name: "VerifierStoreTests", dependencies: ["VerifierStore", "JSONWriting", "TestSupport"]),
        .testTarget(name: "VerifierDNSTests", dependencies: ["VerifierDNS", "VerifierKeys", "TestSupport"]),
        .testTarget(name: "VerifierDaemonTests", dependencies: ["VerifierDaemon", "VerifierKeys", "TestSupport"]),
        .testTarget(name: "VerifierAPITests", dependencies: [
            "VerifierAPI", "VerifierAPIModels", "JSONWriting", "VerifierCore", "TestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "VerifierSystemdTests", dependencies: ["VerifierSystemd", "TestSupport"]),
        // The real binaries against a real Knot, driven only through the socket.
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
        // domain-verifierd under a real systemd booted in namespaces (scripts/systemd-harness).
        .testTarget(name: "SystemdTests", dependencies: ["TestSupport"]),
        .testTarget(name: "DomainCtlKitTests", dependencies: ["DomainCtlKit", "TestSupport"]),

        // Fuzzing: one entry per parser, with its invariants. The tests replay Fuzz/corpus and
        // Fuzz/crashers through the entries; libFuzzer drives them in domain-verifier-fuzz (`make fuzz`).
        .target(name: "FuzzTargets", dependencies: [
            "VerifierCore", "VerifierNames", "VerifierDNS", "CUnbound", "VerifierDaemon", "VerifierAPI", "DomainCtlKit",
        ]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets", "VerifierCore", "VerifierDaemon"]),
    ]
)

// The libFuzzer executable calls libFuzzer's driver, which only -sanitize=fuzzer links in, so it
// cannot link in a normal build: it exists only when `make fuzz` sets DOMAIN_VERIFIER_FUZZ=1.
if Context.environment["DOMAIN_VERIFIER_FUZZ"] == "1" {
    package.products.append(.executable(name: "domain-verifier-fuzz", targets: ["domain-verifier-fuzz"]))
    package.targets.append(.executableTarget(name: "domain-verifier-fuzz", dependencies: ["FuzzTargets"]))
}
