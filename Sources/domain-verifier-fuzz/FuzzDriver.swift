// The callback libFuzzer runs for every input, outside main.swift so that it is not main-actor isolated.
import FuzzTargets

enum FuzzDriver {
    /// Set once by main before libFuzzer starts; libFuzzer calls back on that thread only.
    nonisolated(unsafe) static var target: FuzzTarget?

    static let testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32 = { data, size in
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        do {
            try FuzzDriver.target!.run(bytes)
        } catch {
            // A broken invariant is a crash for libFuzzer: it saves the input as a crasher.
            fatalError("invariant broken: \(error)")
        }
        return 0
    }
}
