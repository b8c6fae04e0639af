import Foundation
import TensorCore
import Training

/// Points in an image, given in pixels and scaled to [−1, 1] by ``PointScaler`` (fastai `PointBlock`).
///
/// A raw value is a tensor or a list of numbers: `(x, y)` pairs in pixels, x from the left edge and
/// y from the top (a pixel's centre is at `column + 0.5`). Every geometric transform moves the
/// points exactly as it moves the pixels under them. The loss is `MSELossFlat()`.
public struct PointBlock: TransformBlock {
    /// Creates a block.
    public init() {}

    /// Points.
    public var kind: BlockKind { .point }

    /// `PointScaler()`.
    public var itemTfms: [any ItemTransform] { [PointScaler()] }

    /// `MSELossFlat()`, as fastai uses for points.
    public var lossFunc: (any LossFunction)? { MSELossFlat() }

    /// `TensorPoint.create`: the numbers as a `[n, 2]` float tensor.
    public var typeTransforms: [TypeTransform] {
        [
            TypeTransform("TensorPoint.create") { value in
                let numbers = try pointNumbers(value)
                guard !numbers.isEmpty, numbers.count.isMultiple(of: 2) else {
                    throw VisionError.invalidInput(
                        "PointBlock needs (x, y) pairs, got \(numbers.count) numbers")
                }
                return Tensor(shape: [numbers.count / 2, 2], scalars: numbers)
            }
        ]
    }
}

private func pointNumbers(_ value: any Sendable) throws -> [Float] {
    switch value {
    case let tensor as Tensor: return tensor.scalars
    case let numbers as [Float]: return numbers
    case let numbers as [Double]: return numbers.map(Float.init)
    case let numbers as [Int]: return numbers.map(Float.init)
    case let pairs as [[Float]]: return pairs.flatMap { $0 }
    case let pairs as [[Double]]: return pairs.flatMap { $0 }.map(Float.init)
    default:
        throw VisionError.invalidInput(
            "PointBlock needs a tensor or a list of numbers, got \(type(of: value))")
    }
}

/// Scales points from pixels to [−1, 1] of the image in the same sample (fastai `PointScaler`,
/// order 1): `p' = p · 2 / size − 1`, x by the width and y by the height.
public struct PointScaler: ItemTransform, CustomStringConvertible {
    /// Whether the raw points are `(y, x)` pairs (swapped first).
    public let yFirst: Bool

    /// Creates a scaler.
    public init(yFirst: Bool = false) { self.yFirst = yFirst }

    /// Runs first, with `Resize` (fastai order 1).
    public var order: Int { 1 }

    /// `PointScaler`.
    public var description: String { "PointScaler" }

    /// Scales every point tensor by the size of the sample's first image.
    ///
    /// - Throws: ``VisionError/pointOutsideImage(item:point:width:height:)`` when a raw point lies
    ///   outside the image; ``VisionError/invalidInput(_:)`` when the sample has no image.
    public func callAsFunction(
        _ sample: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator?
    )
        throws
    {
        guard let imageIndex = kinds.firstIndex(of: .image), sample[imageIndex].rank == 3 else {
            throw VisionError.invalidInput("PointScaler needs an image in the same sample as the points")
        }
        let (height, width) = (sample[imageIndex].shape[1], sample[imageIndex].shape[2])
        for index in kinds.indices where kinds[index] == .point {
            var scalars = sample[index].scalars
            for pair in stride(from: 0, to: scalars.count - 1, by: 2) {
                if yFirst { scalars.swapAt(pair, pair + 1) }
                let (x, y) = (scalars[pair], scalars[pair + 1])
                guard x >= 0, x <= Float(width), y >= 0, y <= Float(height) else {
                    throw VisionError.pointOutsideImage(
                        item: "", point: [x, y], width: width, height: height)
                }
                scalars[pair] = x * 2 / Float(width) - 1
                scalars[pair + 1] = y * 2 / Float(height) - 1
            }
            sample[index] = Tensor(shape: sample[index].shape, scalars: scalars)
        }
    }
}

extension VisionError: ItemContextError {
    /// The same error naming `item` (for errors raised by item transforms).
    public func naming(item: String) -> any Error {
        if case .pointOutsideImage(_, let point, let width, let height) = self {
            return VisionError.pointOutsideImage(item: item, point: point, width: width, height: height)
        }
        if case .invalidInput(let message) = self { return VisionError.invalidInput("\(item): \(message)") }
        return self
    }
}
