import Foundation
import Plotting
import TensorCore
import Training

extension DataLoaders {
    /// A grid of the first training batch, as the model sees it after augmentation (fastai `show_batch`).
    ///
    /// Images are un-normalized for display; each is titled with its decoded label (several labels
    /// joined by `;`); points are drawn as red dots where they fall on the transformed image. By default
    /// the grid has `Int(√n)` rows, as fastai's; it takes fastai's layout arguments as fastbook writes
    /// them (`showBatch(nrows: 1, ncols: 3)`, `figsize: (8, 8)`): see ``GridLayout``.
    ///
    /// - Parameters:
    ///   - maxN: The most images shown.
    ///   - nrows: Rows of the grid.
    ///   - ncols: Columns of the grid (with `nrows`, at most `nrows·ncols` images).
    ///   - figsize: The grid's size in inches, as matplotlib's (72 CSS pixels per inch at `dpi` 100).
    ///   - dpi: Scales `figsize`.
    ///   - cellSize: The side of each picture, in CSS pixels, without `figsize`.
    /// - Returns: The grid's PNG.
    /// - Throws: What loading the batch throws; ``VisionError/invalidInput(_:)`` when the data has no images
    ///   or the layout is not one.
    public func showBatch(
        maxN: Int = 9, nrows: Int? = nil, ncols: Int? = nil, figsize: (Double, Double)? = nil,
        dpi: Double = 100,
        cellSize: Double = 128
    ) throws -> Chart {
        try showBatch(
            layout: GridLayout(
                maxN: maxN, nrows: nrows, ncols: ncols, figsize: figsize, dpi: dpi, cellSize: cellSize))
    }

    private func showBatch(layout: GridLayout) throws -> Chart {
        let maxN = layout.count
        let cellSize = layout.cellSize
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
            range: scaled ? 0...1 : 0...255, cellSize: cellSize, columns: layout.columns)
    }
}

/// fastai's grid arguments (`nrows`, `ncols`, `figsize`, `dpi` of `show_batch` and friends) as a Khru
/// grid: how many pictures, in how many columns, each how large.
///
/// As fastai's `get_grid`: with both `nrows` and `ncols` the grid shows at most `nrows·ncols` pictures;
/// with one of them the other follows from the count. `figsize` is matplotlib's, in inches, at 72 CSS
/// pixels per inch for matplotlib's default `dpi` of 100 (`dpi` scales it): the grid fits in it.
public struct GridLayout: Sendable, Hashable {
    /// CSS pixels per inch of `figsize` at `dpi` 100.
    public static let pixelsPerInch = 72.0

    /// How many pictures the grid shows.
    public let count: Int
    /// Its columns (`nil`: fastai's default shape for the count).
    public let columns: Int?
    /// The side of each picture, in CSS pixels.
    public let cellSize: Double

    /// The layout of `maxN` pictures of side `cellSize` in fastai's default shape.
    public init(maxN: Int, cellSize: Double) {
        count = maxN
        columns = nil
        self.cellSize = cellSize
    }

    /// The layout fastai's arguments describe.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` for `nrows` or `ncols` below 1, or a `figsize` or
    ///   `dpi` that is not a positive, finite number.
    public init(
        maxN: Int, nrows: Int? = nil, ncols: Int? = nil, figsize: (Double, Double)? = nil, dpi: Double = 100,
        cellSize: Double = 128
    ) throws(VisionError) {
        guard maxN >= 1 else { throw .invalidInput("maxN must be at least 1, not \(maxN)") }
        for (name, value) in [("nrows", nrows), ("ncols", ncols)] {
            if let value, value < 1 || value > 1_000 {
                throw .invalidInput("\(name) must be from 1 to 1000, not \(value)")
            }
        }
        guard dpi.isFinite, dpi > 0, dpi <= 10_000 else {
            throw .invalidInput("dpi must be a positive number, not \(dpi)")
        }
        var count = maxN
        if let nrows, let ncols { count = min(maxN, nrows * ncols) }
        let columns = ncols ?? nrows.map { (count + $0 - 1) / $0 }
        self.count = count
        self.columns = columns
        guard let (width, height) = figsize else {
            self.cellSize = cellSize
            return
        }
        guard width.isFinite, height.isFinite, width > 0, height > 0, width <= 1_000, height <= 1_000 else {
            throw .invalidInput("figsize must be two positive numbers of inches, not (\(width), \(height))")
        }
        let shape = gridShape(count: count)
        let columnCount = Double(columns ?? shape.columns)
        let rowCount = Double(nrows ?? (count + Int(columnCount) - 1) / Int(columnCount))
        let scale = Self.pixelsPerInch * dpi / 100
        // Each picture has a 12-pixel gap around it (titles add a little more).
        let side = min(width * scale / columnCount, height * scale / rowCount) - 12
        self.cellSize = max(side, 16)
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
    _ samples: [[Tensor]], dataset: any Dataset, range: ClosedRange<Float>, cellSize: Double,
    columns: Int? = nil
) throws -> Chart {
    let kinds = dataset.kinds
    guard let imageIndex = kinds.firstIndex(of: .image) else {
        throw VisionError.invalidInput("showBatch needs an image block")
    }
    try checkGridSize(count: samples.count, cellSize: cellSize, columns: columns)
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
            images, titles: titles.contains { !$0.isEmpty } ? titles : [], columns: columns,
            cellSize: cellSize)
    }
    // The legend names the points in each lesson language.
    let legend = ChartText(.pointsLegend)
    return try Chart.drawnPerLanguage([legend]) { language throws(PlottingError) in
        let named = points.map { sets in
            sets.map { PointSet(name: legend.text(in: language), points: $0.points, color: $0.color) }
        }
        return try imageGridWithPoints(
            images, pointSets: named, titles: titles.contains { !$0.isEmpty } ? titles : [], columns: columns,
            cellSize: cellSize)
    }
}

/// Checks that a grid of `count` pictures of side `cellSize` (CSS pixels, drawn at twice that in
/// device pixels) can be drawn: a positive, finite side, and a canvas within the ``MemoryBudget``
/// (`showBatch(cellSize: 1e9)` would ask for exabytes).
///
/// - Throws: ``VisionError/invalidInput(_:)`` naming the side or the canvas's size and the budget.
func checkGridSize(count: Int, cellSize: Double, columns: Int? = nil) throws {
    guard cellSize.isFinite, cellSize > 0 else {
        throw VisionError.invalidInput("cellSize must be a positive number of pixels, not \(cellSize)")
    }
    let columns = columns ?? gridShape(count: max(count, 1)).columns
    let rows = (max(count, 1) + columns - 1) / columns
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
