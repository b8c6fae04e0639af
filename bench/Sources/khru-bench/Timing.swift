import Foundation

/// Command-line options shared by every workload.
struct BenchOptions: Sendable {
    /// Repetitions; the minimum is reported.
    var reps = 3

    /// Parses `--reps N` after the workload name; nil on anything else.
    init?(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard flag == "--reps", let value = rest.popFirst().flatMap(Int.init), value > 0 else { return nil }
            reps = value
        }
    }
}

/// The BLAS thread count this process runs with (OPENBLAS_NUM_THREADS, as bench/run sets it).
var threadCount: Int {
    ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].flatMap(Int.init) ?? 1
}

/// Wall-clock seconds of one call of `body`.
func seconds(_ body: () -> Void) -> Double {
    let clock = ContinuousClock()
    let elapsed = clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
}

/// The minimum wall-clock seconds of `reps` calls of `body`.
func bestSeconds(reps: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<reps { best = min(best, seconds(body)) }
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

/// A small deterministic generator (SplitMix64) for benchmark inputs.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform floats in [-1, 1).
    mutating func floats(_ count: Int) -> [Float] {
        (0..<count).map { _ in Float.random(in: -1..<1, using: &self) }
    }
}
