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

    /// Sets the budget from the flag or the environment; a usage error when either is not a size.
    func apply() throws {
        if let memoryBudget {
            guard let bytes = MemoryBudget.parse(memoryBudget) else {
                throw ValidationError(
                    "--memory-budget must be a size such as 512M or 2G, not '\(memoryBudget)'")
            }
            MemoryBudget.bytes = bytes
        } else if let text = ProcessInfo.processInfo.environment[MemoryBudget.environmentVariable] {
            guard let bytes = MemoryBudget.parse(text) else {
                throw ValidationError(
                    "\(MemoryBudget.environmentVariable) must be a size such as 512M or 2G, not '\(text)'")
            }
            MemoryBudget.bytes = bytes
        }
    }
}
