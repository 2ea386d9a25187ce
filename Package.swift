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
    ],
    targets: [
        // System libraries from Debian's -dev packages.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CIDN2", pkgConfig: "libidn2", providers: [.apt(["libidn2-dev"])]),
        .systemLibrary(name: "CPSL", pkgConfig: "libpsl", providers: [.apt(["libpsl-dev"])]),
        // No pkgConfig: libunbound's .pc file requires libevent's, which Debian's -dev does not pull in.
        .systemLibrary(name: "CUnbound", providers: [.apt(["libunbound-dev"])]),

        // The pure core: decides, never does I/O.
        .target(name: "VerifierCore"),

        // Adapters.
        .target(name: "VerifierNames", dependencies: ["VerifierCore", "CIDN2", "CPSL"]),
        .target(name: "VerifierKeys", dependencies: ["VerifierCore", "COpenSSL"]),
        .target(name: "VerifierDNS", dependencies: ["VerifierCore", "CUnbound"]),
        .target(name: "VerifierStore", dependencies: [
            "VerifierCore",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // Executables.
        .executableTarget(name: "domain-verifierd", dependencies: [
            "VerifierCore", "VerifierNames", "VerifierKeys", "VerifierStore", "VerifierDNS",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "domain-verifier-bench", dependencies: [
            "VerifierCore", "VerifierDNS", "VerifierKeys", "TestSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "domainctl", dependencies: [
            "VerifierCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Tests: one target per source target, and helpers they share.
        .target(name: "TestSupport", path: "Tests/Support", exclude: ["faultdns.py"]),
        .testTarget(name: "VerifierCoreTests", dependencies: ["VerifierCore"]),
        .testTarget(name: "VerifierNamesTests", dependencies: ["VerifierNames"]),
        .testTarget(name: "VerifierKeysTests", dependencies: ["VerifierKeys", "TestSupport"]),
        .testTarget(name: "VerifierStoreTests", dependencies: ["VerifierStore", "TestSupport"]),
        .testTarget(name: "VerifierDNSTests", dependencies: ["VerifierDNS", "VerifierKeys", "TestSupport"]),
    ]
)
