import Foundation
import Plotting
import TensorCore
import Training

extension DataLoaders {
    /// A grid of the first training batch, as the model sees it after augmentation (fastai `show_batch`).
    ///
    /// Images are un-normalized for display; each is titled with its decoded label (several labels
    /// joined by `;`); points are drawn as red dots where they fall on the transformed image. The
    /// grid has `Int(√n)` rows, as fastai's.
    ///
    /// - Parameters:
    ///   - maxN: The most images shown.
    ///   - cellSize: The side of each picture, in CSS pixels.
    /// - Returns: The grid's PNG.
    /// - Throws: What loading the batch throws; ``VisionError/invalidInput(_:)`` when the data has no images.
    public func showBatch(maxN: Int = 9, cellSize: Double = 128) throws -> Chart {
        let batch = try train.oneBatch()
        var tensors = batch.xs + batch.ys
        if let normalize = train.batchTfms.lazy.compactMap({ $0 as? Normalize }).first,
            let index = train.dataset.kinds.firstIndex(of: .image)
        {
            tensors[index] = try normalize.apply(tensors[index], inverse: true)
        }
        let scaled = train.batchTfms.contains { $0 is IntToFloatTensor }
        let count = min(maxN, batch.count)
        return try showSamples(
            (0..<count).map { item in try tensors.map { try $0[item] } }, dataset: train.dataset,
            range: scaled ? 0...1 : 0...255, cellSize: cellSize)
    }
}

extension Dataset {
    /// Item `index` after its item transforms (validation behaviour: no random crop), titled with its
    /// label and with its points drawn (fastai `dls.train_ds[i]` shown with `show_at`).
    ///
    /// - Throws: What loading the item throws; ``VisionError/invalidInput(_:)`` when it has no image.
    public func showItem(_ index: Int, size: Double = 256) throws -> Chart {
        guard (0..<count).contains(index) else {
            throw VisionError.invalidInput("index \(index) out of range: the dataset has \(count) items")
        }
        return try showSamples(
            [try sample(at: index, generator: nil)], dataset: self, range: 0...255, cellSize: size)
    }
}

/// Draws samples (one tensor per block, without the batch axis) in a grid with titles and points.
func showSamples(
    _ samples: [[Tensor]], dataset: any Dataset, range: ClosedRange<Float>, cellSize: Double
) throws -> Chart {
    let kinds = dataset.kinds
    guard let imageIndex = kinds.firstIndex(of: .image) else {
        throw VisionError.invalidInput("showBatch needs an image block")
    }
    try checkGridSize(count: samples.count, cellSize: cellSize)
    let blocks = (dataset as? DatasetSubset)?.blocks
    var images: [PlotImage] = []
    var titles: [String] = []
    var points: [[PointSet]] = []
    for sample in samples {
        let image = sample[imageIndex]
        images.append(try plotImage(image, range: range))
        let (height, width) = (image.shape[1], image.shape[2])
        var labels: [String] = []
        var sets: [PointSet] = []
        for index in kinds.indices where index != imageIndex {
            if kinds[index] == .point {
                let values = sample[index].scalars
                let pixels = stride(from: 0, to: values.count - 1, by: 2).map { pair in
                    Point(
                        x: (Double(values[pair]) + 1) * Double(width) / 2,
                        y: (Double(values[pair + 1]) + 1) * Double(height) / 2)
                }
                sets.append(PointSet(name: "", points: pixels, color: Color(red: 230, green: 25, blue: 25)))
            } else if index >= dataset.nInp {
                labels.append(blocks?[index].decode(sample[index]) ?? "\(sample[index].scalars)")
            }
        }
        titles.append(labels.joined(separator: " "))
        points.append(sets)
    }
    if points.allSatisfy(\.isEmpty) {
        return try imageGrid(
            images, titles: titles.contains { !$0.isEmpty } ? titles : [], cellSize: cellSize)
    }
    // The legend names the points in each lesson language.
    let legend = ChartText(.pointsLegend)
    return try Chart.drawnPerLanguage([legend]) { language throws(PlottingError) in
        let named = points.map { sets in
            sets.map { PointSet(name: legend.text(in: language), points: $0.points, color: $0.color) }
        }
        return try imageGridWithPoints(
            images, pointSets: named, titles: titles.contains { !$0.isEmpty } ? titles : [],
            cellSize: cellSize)
    }
}

/// Checks that a grid of `count` pictures of side `cellSize` (CSS pixels, drawn at twice that in
/// device pixels) can be drawn: a positive, finite side, and a canvas within the ``MemoryBudget``
/// (`showBatch(cellSize: 1e9)` would ask for exabytes).
///
/// - Throws: ``VisionError/invalidInput(_:)`` naming the side or the canvas's size and the budget.
func checkGridSize(count: Int, cellSize: Double) throws {
    guard cellSize.isFinite, cellSize > 0 else {
        throw VisionError.invalidInput("cellSize must be a positive number of pixels, not \(cellSize)")
    }
    let rows = max(Int(Double(max(count, 1)).squareRoot()), 1)
    let columns = (max(count, 1) + rows - 1) / rows
    // Square pictures with a 12-pixel gap (titles add to this), at 2 device pixels per CSS pixel.
    let width = (Double(columns) * (cellSize + 12) + 12) * 2
    let height = (Double(rows) * (cellSize + 12) + 12) * 2
    let bytes = width * height * 4
    guard bytes <= Double(MemoryBudget.bytes) else {
        let size = bytes < 0x1p62 ? MemoryBudget.format(bytes: Int(bytes)) : "more bytes than can be counted"
        throw VisionError.invalidInput(
            MemoryBudget.exceeded(
                "a grid of \(count) pictures of \(cellSize) pixels (\(Int(min(width, 0x1p62))) × "
                    + "\(Int(min(height, 0x1p62))) device pixels)", size: size))
    }
}
