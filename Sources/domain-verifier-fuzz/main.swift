// libFuzzer on one parser: FUZZ_TARGET names it (Sources/FuzzTargets), the arguments are libFuzzer's.
//
// Built only by `make fuzz` (DOMAIN_VERIFIER_FUZZ=1 in Package.swift), with -sanitize=fuzzer,address.
// SwiftPM gives every executable a Swift main, so this one starts libFuzzer's driver itself
// rather than letting libFuzzer's own main run.
import Foundation
import FuzzTargets

@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

let names = FuzzTarget.all.map(\.name).joined(separator: ", ")
guard let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] else {
    FileHandle.standardError.write(Data("domain-verifier-fuzz: set FUZZ_TARGET to one of: \(names)\n".utf8))
    exit(2)
}
guard let chosen = FuzzTarget.named(name) else {
    FileHandle.standardError.write(Data("domain-verifier-fuzz: FUZZ_TARGET=\(name) is not a target; the targets are: \(names)\n".utf8))
    exit(2)
}
FuzzDriver.target = chosen
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runDriver(&argc, &argv, FuzzDriver.testOneInput))
