import Foundation
import TensorCore
import Testing
import Training

@testable import Vision

/// Sizes a user chose for images and pictures are checked against the memory budget before anything is
/// allocated.
@Suite struct SizeBudgetTests {
    @Test func aResizeBeyondTheBudgetThrowsBeforeResampling() throws {
        var tensors = [Tensor.zeros([3, 4, 4])]
        // 3 × 100,000² floats: 112 GiB, and past 2^31 elements besides.
        #expect { try Resize(100_000)(&tensors, kinds: [.image], generator: nil) } throws: { error in
            guard case .invalidInput(let message) = error as? VisionError else { return false }
            return message.hasPrefix("Resize to (100000, 100000): ")
        }
        #expect(tensors[0].shape == [3, 4, 4])
        try Resize(2)(&tensors, kinds: [.image], generator: nil)
        #expect(tensors[0].shape == [3, 2, 2])
    }

    @Test func aGridOfHugeOrMeaninglessCellsThrows() throws {
        for size in [0, -1, Double.nan, .infinity] {
            #expect(
                throws: VisionError.invalidInput("cellSize must be a positive number of pixels, not \(size)")
            ) {
                try checkGridSize(count: 4, cellSize: size)
            }
        }
        #expect { try checkGridSize(count: 9, cellSize: 1e9) } throws: { error in
            guard case .invalidInput(let message) = error as? VisionError else { return false }
            return message.hasPrefix("a grid of 9 pictures of 1000000000.0 pixels")
                && message.contains("more than the memory budget")
        }
        try checkGridSize(count: 9, cellSize: 128)
    }
}
