import Foundation
import Plotting
import TensorCore
import Training

/// A pair of classes the model confuses, and how often (one row of fastai's `most_confused()`).
public struct ConfusedPair: Sendable, Hashable, CustomStringConvertible {
    /// The true class.
    public let actual: String
    /// The class predicted instead.
    public let predicted: String
    /// How many items of `actual` were predicted as `predicted`.
    public let count: Int

    /// Creates a row.
    public init(actual: String, predicted: String, count: Int) {
        self.actual = actual
        self.predicted = predicted
        self.count = count
    }

    /// fastai's tuple: `('3', '5', 4)`.
    public var description: String { "('\(actual)', '\(predicted)', \(count))" }
}

/// What a classifier gets wrong (fastai `ClassificationInterpretation`): the predictions, targets and
/// per-item losses of a dataset, the confusion matrix, the most confused pairs and the top losses.
///
/// ```swift
/// let interp = try ClassificationInterpretation.fromLearner(learn)
/// let chart = try interp.plotConfusionMatrix()
/// interp.mostConfused(minVal: 5)
/// ```
public struct ClassificationInterpretation: Sendable {
    /// The learner interpreted.
    public let learn: AnyLearner
    /// The dataset interpreted: 0 training (in order, not augmented), 1 validation.
    public let dsIdx: Int
    /// The activated predictions `[N, classes]` (probabilities).
    public let preds: Tensor
    /// The targets `[N]` (class indices).
    public let targs: Tensor
    /// The decoded predictions `[N]` (class indices).
    public let decoded: Tensor
    /// Each item's loss `[N]`.
    public let losses: Tensor
    /// The class names.
    public let vocab: [String]

    /// Interprets `learn` on dataset `dsIdx` (fastai `ClassificationInterpretation.from_learner`).
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` unless the learner classifies into a vocabulary
    ///   (a single-label target and a `[N, classes]` output); what predicting throws.
    public static func fromLearner(_ learn: AnyLearner, dsIdx: Int = 1) throws -> ClassificationInterpretation
    {
        guard let vocab = learn.dls.vocab, !vocab.isEmpty else {
            throw VisionError.invalidInput(
                "ClassificationInterpretation needs a classifier whose data has a vocabulary (a CategoryBlock)"
            )
        }
        let (preds, targets, losses) = try learn.getPredsWithLoss(dsIdx: dsIdx)
        guard preds.rank == 2, preds.shape[1] == vocab.count, targets.count == preds.shape[0] else {
            throw VisionError.invalidInput(
                "ClassificationInterpretation needs one class per item: predictions \(preds.shape) "
                    + "for targets \(targets.shape) over \(vocab.count) classes (multi-label or regression "
                    + "learners have no confusion matrix)")
        }
        return ClassificationInterpretation(
            learn: learn, dsIdx: dsIdx, preds: preds, targs: targets.ravel(),
            decoded: learn.lossFunc.decodes(preds).ravel(), losses: losses, vocab: Array(vocab))
    }

    /// Creates an interpretation from its numbers (for data predicted elsewhere).
    public init(
        learn: AnyLearner, dsIdx: Int, preds: Tensor, targs: Tensor, decoded: Tensor, losses: Tensor,
        vocab: [String]
    ) {
        self.learn = learn
        self.dsIdx = dsIdx
        self.preds = preds
        self.targs = targs
        self.decoded = decoded
        self.losses = losses
        self.vocab = vocab
    }

    /// The `k` largest (or smallest) losses and their items' indices, largest first (fastai `top_losses`;
    /// ties keep item order).
    public func topLosses(_ k: Int? = nil, largest: Bool = true) -> (losses: [Double], idxs: [Int]) {
        let values = losses.scalars.map(Double.init)
        let order = values.indices.sorted { a, b in
            values[a] != values[b] ? (largest ? values[a] > values[b] : values[a] < values[b]) : a < b
        }
        let kept = Array(order.prefix(max(0, k ?? order.count)))
        return (kept.map { values[$0] }, kept)
    }

    /// `matrix[actual][predicted]`: how many items of each class were predicted as each class (fastai
    /// `confusion_matrix()`).
    public func confusionMatrix() -> [[Int]] {
        var matrix = Array(repeating: Array(repeating: 0, count: vocab.count), count: vocab.count)
        for (actual, predicted) in zip(targs.scalars, decoded.scalars) {
            let (row, column) = (Int(actual), Int(predicted))
            guard vocab.indices.contains(row), vocab.indices.contains(column) else { continue }
            matrix[row][column] += 1
        }
        return matrix
    }

    /// The off-diagonal cells of the confusion matrix with at least `minVal` items, most first (fastai
    /// `most_confused(min_val)`; ties in row-major order, as fastai's stable sort keeps them).
    public func mostConfused(minVal: Int = 1) -> [ConfusedPair] {
        let matrix = confusionMatrix()
        var cells: [ConfusedPair] = []
        for (row, counts) in matrix.enumerated() {
            for (column, count) in counts.enumerated() where row != column && count >= minVal {
                cells.append(ConfusedPair(actual: vocab[row], predicted: vocab[column], count: count))
            }
        }
        return cells.enumerated().sorted { ($1.element.count, $0.offset) < ($0.element.count, $1.offset) }
            .map(\.element)
    }

    /// The confusion matrix as a chart (fastai `plot_confusion_matrix`): actual classes down, predicted
    /// across; with `normalize`, each row divided by its total.
    ///
    /// `figsize` is matplotlib's, in inches (fastbook's `figsize: (12, 12)`), at 72 CSS pixels per inch for
    /// `dpi` 100 (``GridLayout/pixelsPerInch``); the chart is square, its side the smaller of the two.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` for a `figsize` or `dpi` that is not positive, or a chart
    ///   of more than 4000 pixels; ``Plotting/PlottingError`` when the font cannot be loaded.
    public func plotConfusionMatrix(
        normalize: Bool = false, title: ChartText? = .term(.confusionMatrixTitle), normDec: Int = 2,
        figsize: (Double, Double)? = nil, dpi: Double = 100
    ) throws -> Chart {
        var side: Int?
        if let (width, height) = figsize {
            guard width.isFinite, height.isFinite, width > 0, height > 0, dpi.isFinite, dpi > 0 else {
                throw VisionError.invalidInput(
                    "figsize must be two positive numbers of inches and dpi positive, not (\(width), \(height)) at \(dpi)"
                )
            }
            let pixels = min(width, height) * GridLayout.pixelsPerInch * dpi / 100
            guard pixels <= 4000 else {
                throw VisionError.invalidInput(
                    "figsize (\(width), \(height)) at dpi \(dpi) is wider than 4000 pixels")
            }
            side = max(Int(pixels.rounded()), 120)
        }
        return try Plotting.plotConfusionMatrix(
            confusionMatrix(), classes: vocab, normalize: normalize, title: title, digits: normDec, side: side
        )
    }

    /// The `k` items with the largest losses (fastai `plot_top_losses`), each titled
    /// `predicted/actual / loss / probability of the predicted class`.
    ///
    /// `nrows`, `ncols`, `figsize` and `dpi` lay the grid out as fastai's
    /// (`interp.plotTopLosses(5, nrows: 1)`; see ``GridLayout``).
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when `k < 1`, the items are not images or the layout is
    ///   not one; what loading an item throws.
    public func plotTopLosses(
        _ k: Int, largest: Bool = true, nrows: Int? = nil, ncols: Int? = nil,
        figsize: (Double, Double)? = nil,
        dpi: Double = 100
    ) throws -> Chart {
        guard k >= 1 else { throw VisionError.invalidInput("plotTopLosses needs k ≥ 1, got \(k)") }
        let layout = try GridLayout(
            maxN: k, nrows: nrows, ncols: ncols, figsize: figsize, dpi: dpi, cellSize: 128)
        let k = layout.count
        let (values, idxs) = topLosses(k, largest: largest)
        let dataset = learn.dls[dsIdx].dataset
        guard let imageIndex = dataset.kinds.firstIndex(of: .image) else {
            throw VisionError.invalidInput("plotTopLosses needs image inputs")
        }
        let classes = vocab.count
        let probabilities = preds.scalars
        var images: [PlotImage] = []
        var predicted: [String] = []
        var actual: [String] = []
        var probability: [Double] = []
        for index in idxs {
            let sample = try dataset.sample(at: index, generator: nil)
            images.append(try plotImage(sample[imageIndex], range: 0...255))
            let guess = Int(decoded.scalars[index])
            predicted.append(vocab[guess])
            actual.append(vocab[Int(targs.scalars[index])])
            probability.append(Double(probabilities[index * classes + guess]))
        }
        return try Plotting.plotTopLosses(
            images: images, predicted: predicted, actual: actual, losses: values, probabilities: probability,
            columns: layout.columns, cellSize: layout.cellSize)
    }
}

/// A `[C, H, W]` tensor as a picture: RGB when it has 3 channels, else its first channel in grey.
///
/// - Throws: ``VisionError/invalidInput(_:)`` for a tensor that is not `[C, H, W]`.
func plotImage(_ image: Tensor, range: ClosedRange<Float>) throws -> PlotImage {
    guard image.rank == 3 else { throw VisionError.invalidInput("an image is [C, H, W], got \(image.shape)") }
    let (channels, height, width) = (image.shape[0], image.shape[1], image.shape[2])
    return channels == 3
        ? PlotImage(planarRGB: image.scalars, width: width, height: height, range: range)
        : PlotImage(
            grey: Array(image.scalars.prefix(width * height)), width: width, height: height, range: range)
}
