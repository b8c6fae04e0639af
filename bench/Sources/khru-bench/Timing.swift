import Foundation
import TensorCore

/// Command-line options shared by every workload.
struct BenchOptions: Sendable {
    /// Repetitions; the minimum is reported.
    var reps = 3

    /// Parses `--reps N` after the workload name; nil on anything else.
    init?(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard flag == "--reps", let value = rest.popFirst().flatMap(Int.init), value > 0 else {
                return nil
            }
            reps = value
        }
    }
}

/// The BLAS thread count this process runs with (OPENBLAS_NUM_THREADS, as bench/run sets it).
var threadCount: Int {
    ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap(Int.init) ?? 1
}

/// Whether `KHRU_BENCH_CLOCK=cpu` asks for the process's CPU time instead of wall time: on a machine
/// loaded by other processes, CPU time at one thread still measures the work (waiting for a core does
/// not count); at two threads it sums both threads' time, so it says nothing about the speed-up.
let measuresCPUTime = ProcessInfo.processInfo.environment["KHRU_BENCH_CLOCK"] == "cpu"

/// Wall-clock seconds (or CPU seconds, see ``measuresCPUTime``) of one call of `body`.
func seconds(_ body: () throws -> Void) rethrows -> Double {
    if measuresCPUTime {
        func now() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
        }
        let start = now()
        try body()
        return now() - start
    }
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// The minimum wall-clock seconds of `reps` calls of `body`.
func bestSeconds(reps: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<reps { best = min(best, try seconds(body)) }
    return best
}

/// Prints one machine-readable result line: `name case threads=N impl=khru key=value ...`.
func emit(_ name: String, _ workload: String, _ values: KeyValuePairs<String, Double>) {
    var fields = [name, workload, "threads=\(threadCount)", "impl=khru"]
    for (key, value) in values { fields.append("\(key)=\(format(value))") }
    print(fields.joined(separator: " "))
    fflush(nil)
}

/// Prints that a workload cannot run yet, in the same line format.
func emitUnavailable(_ name: String, _ workload: String, reason: String) {
    let slug = reason.replacingOccurrences(of: " ", with: "-")
    print("\(name) \(workload) threads=\(threadCount) impl=khru unavailable=\(slug)")
    fflush(nil)
}

/// Six significant digits, like Python's `{:.6g}`.
func format(_ value: Double) -> String {
    String(format: "%.6g", value)
}

/// `count` uniform floats in [-1, 1) from a seeded generator.
func randomFloats(_ count: Int, using generator: inout SplitMix64) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1..<1, using: &generator) }
}
