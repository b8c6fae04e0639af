import Foundation

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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return Outcome(
                status: 127, output: "could not start \(arguments.joined(separator: " ")): \(error)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Outcome(status: process.terminationStatus, output: text)
    }

    /// The last `count` lines of `text` (pip's error is at the end of its output).
    static func tail(_ text: String, lines count: Int = 12) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        return lines.suffix(count).joined(separator: "\n")
    }
}
