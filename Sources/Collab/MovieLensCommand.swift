import Foundation
import Training

/// Runs an external command found on `PATH` and collects its merged stdout and stderr.
enum MovieLensCommand {
    /// What a finished command reported.
    struct Outcome: Sendable {
        /// The exit status (127 when `env` could not find the program).
        var status: Int32
        /// Standard output and standard error, interleaved, trimmed.
        var output: String
    }

    /// Runs `arguments[0]` with the rest as its arguments, through `/usr/bin/env`.
    static func run(_ arguments: [String]) -> Outcome {
        let (status, output) = ExternalCommand(arguments).run()
        return Outcome(status: status, output: output)
    }

    /// The last `count` lines of `text` (pip's error is at the end of its output).
    static func tail(_ text: String, lines count: Int = 12) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(count).joined(separator: "\n")
    }
}
