import Foundation
import TensorCore
import Training

/// Per-channel means and standard deviations of a set of images in [0, 1].
public typealias ImageStats = (mean: [Float], std: [Float])

/// The statistics of Khru's pretraining set, its "ImageNet" (fastai `imagenet_stats`): Fashion-MNIST's
/// one grey channel, ``fashionMNISTStats``, which Normalize uses for every channel of grey or RGB images.
///
/// fastai's `imagenet_stats` are the statistics of the data its pretrained bodies saw, and
/// `Normalize.fromStats(imagenetStats)` makes new data look like it; Khru's pretrained bodies saw
/// Fashion-MNIST, so these are its statistics. The 3-channel ILSVRC-2012 constants fastai uses are
/// ``ilsvrcStats``.
public let imagenetStats: ImageStats = fashionMNISTStats
/// ImageNet's (ILSVRC-2012) RGB statistics, the numbers of fastai's `imagenet_stats`; for 3-channel
/// images only (``Normalize`` throws on other channel counts).
public let ilsvrcStats: ImageStats = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
/// CIFAR-10's statistics (fastai `cifar_stats`).
public let cifarStats: ImageStats = ([0.491, 0.482, 0.447], [0.247, 0.243, 0.261])
/// MNIST's statistics (fastai `mnist_stats`).
public let mnistStats: ImageStats = ([0.131], [0.308])
/// Fashion-MNIST's statistics, the course's pretraining set: the mean and (population) standard
/// deviation of all 60,000 training images' pixels in [0, 1] (checked against the prepared data).
public let fashionMNISTStats: ImageStats = ([0.2860], [0.3530])

/// Divides image batches by 255, so bytes become [0, 1] (fastai `IntToFloatTensor`, order 10).
public struct IntToFloatTensor: BatchTransform, CustomStringConvertible {
    /// The divisor of images.
    public let div: Float

    /// Creates the transform (fastai's `div=255`).
    public init(div: Float = 255) { self.div = div }

    /// fastai's order 10.
    public var order: Int { 10 }
    /// Training and validation.
    public var appliesToValidation: Bool { true }
    /// `IntToFloatTensor -- {'div': 255.0, 'div_mask': 1}`.
    public var description: String { "IntToFloatTensor -- {'div': \(div), 'div_mask': 1}" }

    /// Divides every image tensor by ``div``.
    public func callAsFunction(_ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator) {
        for index in kinds.indices where kinds[index] == .image {
            let divisor = div
            batch[index] = Tensor(
                shape: batch[index].shape, scalars: batch[index].scalars.map { $0 / divisor })
        }
    }
}

/// Normalizes image batches per channel, `x ← (x − mean)/std` (fastai `Normalize`, order 99).
public struct Normalize: BatchTransform, CustomStringConvertible {
    /// Per-channel means.
    public let mean: [Float]
    /// Per-channel standard deviations.
    public let std: [Float]

    /// Creates the transform from statistics (fastai `Normalize.from_stats(mean, std)`).
    public static func fromStats(_ mean: [Float], _ std: [Float]) -> Normalize {
        Normalize(mean: mean, std: std)
    }

    /// Creates the transform from a statistics pair: `Normalize.fromStats(imagenetStats)`.
    public static func fromStats(_ stats: ImageStats) -> Normalize {
        Normalize(mean: stats.mean, std: stats.std)
    }

    /// Creates the transform.
    public init(mean: [Float], std: [Float]) {
        self.mean = mean
        self.std = std
    }

    /// fastai's order 99 (last).
    public var order: Int { 99 }
    /// Training and validation.
    public var appliesToValidation: Bool { true }
    /// `Normalize -- {'mean': […], 'std': […]}`.
    public var description: String { "Normalize -- {'mean': \(mean), 'std': \(std)}" }

    /// The statistics for `channels` channels (one value broadcasts).
    func stats(channels: Int) throws(VisionError) -> (mean: [Float], std: [Float]) {
        guard mean.count == std.count, !mean.isEmpty else {
            throw .invalidInput(
                "Normalize needs as many means as standard deviations, got \(mean) and \(std)")
        }
        if mean.count == channels { return (mean, std) }
        if mean.count == 1 {
            return (Array(repeating: mean[0], count: channels), Array(repeating: std[0], count: channels))
        }
        throw .invalidInput(
            "Normalize has statistics for \(mean.count) channels, but the images have \(channels); "
                + "use ImageBlock(cls: .rgb) or statistics with \(channels) values")
    }

    /// Normalizes every `[N, C, H, W]` image tensor.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the channel counts disagree.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator
    )
        throws
    {
        for index in kinds.indices where kinds[index] == .image && batch[index].rank == 4 {
            batch[index] = try apply(batch[index], inverse: false)
        }
    }

    /// `x·std + mean`: the pictures as they were before normalizing (fastai's `decode`).
    func apply(_ images: Tensor, inverse: Bool) throws(VisionError) -> Tensor {
        let (count, channels) = (images.shape[0], images.shape[1])
        let plane = images.count / max(count * channels, 1)
        let (means, stds) = try stats(channels: channels)
        var scalars = images.scalars
        for image in 0..<count {
            for channel in 0..<channels {
                let start = (image * channels + channel) * plane
                let (m, s) = (means[channel], stds[channel])
                for offset in start..<start + plane {
                    scalars[offset] = inverse ? scalars[offset] * s + m : (scalars[offset] - m) / s
                }
            }
        }
        return Tensor(shape: images.shape, scalars: scalars)
    }
}
