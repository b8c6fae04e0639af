import Foundation
import Testing

@testable import TensorCore

/// The budget itself is process-wide, so these tests only read it: changing it would race with the
/// tests running beside them (the corpus sets it per process through khru).
@Suite struct MemoryBudgetTests {
    @Test func sizesParseWithBinarySuffixes() {
        #expect(MemoryBudget.parse("1500000") == 1_500_000)
        #expect(MemoryBudget.parse("512M") == 512 << 20)
        #expect(MemoryBudget.parse("512mb") == 512 << 20)
        #expect(MemoryBudget.parse(" 1.5G ") == 3 << 29)
        #expect(MemoryBudget.parse("2T") == 2 << 40)
        #expect(MemoryBudget.parse("4k") == 4096)
        for bad in ["", "lots", "-1G", "0", "1e400", "nanG", "G", "9999999999T"] {
            #expect(MemoryBudget.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func sizesFormatForAReader() {
        #expect(MemoryBudget.format(bytes: 512) == "512 B")
        #expect(MemoryBudget.format(bytes: 3 << 10) == "3.0 KiB")
        #expect(MemoryBudget.format(bytes: 4_000_000) == "3.8 MiB")
        #expect(MemoryBudget.format(bytes: 40_000_000_000) == "37.3 GiB")
        #expect(MemoryBudget.format(bytes: 5 << 40) == "5.0 TiB")
    }

    @Test func theDefaultIsAFractionOfTheMachinesMemory() {
        guard ProcessInfo.processInfo.environment[MemoryBudget.environmentVariable] == nil else { return }
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        #expect(MemoryBudget.defaultBytes == Int(memory * MemoryBudget.defaultFraction))
        #expect(MemoryBudget.bytes > 0 && Double(MemoryBudget.bytes) < memory)
    }

    @Test func aShapeBeyondTheBudgetNamesShapeSizeAndBudget() throws {
        let shape = [1 << 20, 1 << 20]  // 4 TiB of Float32
        let budget = MemoryBudget.format(bytes: MemoryBudget.bytes)
        #expect(
            throws: TensorError(
                .overBudget,
                "a tensor of shape \(shape) needs 4.0 TiB, more than the memory budget of \(budget) "
                    + "(raise it with --memory-budget or KHRU_MEMORY_BUDGET)")
        ) { try Tensor.validate(shape: shape) }
        #expect(throws: TensorError.self) { try Tensor.validate(shape: [Int.max, 3]) }
        #expect(throws: TensorError(.invalidShape, "invalid tensor shape [2, -1]: an extent is negative")) {
            try Tensor.validate(shape: [2, -1])
        }
        try Tensor.validate(shape: [1000, 1000])
    }
}
