import ArgumentParser
import Foundation
import TensorCore

/// `--memory-budget`: the most memory one tensor a cell makes may take.
struct MemoryBudgetArguments: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The most memory one tensor a cell makes may take (512M, 2G, bytes); larger is a located error. "
                + "Default: $\(MemoryBudget.environmentVariable), else half the machine's memory.",
            valueName: "size"))
    var memoryBudget: String?

    /// A size that is not one is a usage mistake, found before anything runs.
    func validate() throws { _ = try bytes() }

    /// Sets the budget from the flag or the environment, when either gives one.
    func apply() throws {
        if let bytes = try bytes() { MemoryBudget.bytes = bytes }
    }

    /// The budget the flag or the environment gives, or a usage error when either is not a size.
    private func bytes() throws -> Int? {
        if let memoryBudget {
            guard let bytes = MemoryBudget.parse(memoryBudget) else {
                throw ValidationError(
                    "--memory-budget must be a size such as 512M or 2G, not '\(memoryBudget)'")
            }
            return bytes
        }
        if let text = ProcessInfo.processInfo.environment[MemoryBudget.environmentVariable] {
            guard let bytes = MemoryBudget.parse(text) else {
                throw ValidationError(
                    "\(MemoryBudget.environmentVariable) must be a size such as 512M or 2G, not '\(text)'")
            }
            return bytes
        }
        return nil
    }
}
