import Foundation
import Plotting
import TensorCore
import Training

/// Some items of a dataset, by index (the items ``Training/Learner/showResults(dsIdx:maxN:)`` draws).
private struct PickedItems: Dataset {
    let base: any Dataset
    let indices: [Int]
    var count: Int { indices.count }
    var nInp: Int { base.nInp }
    var kinds: [BlockKind] { base.kinds }
    func sample(at index: Int, generator: TensorCore.Generator?) throws -> [Tensor] {
        try base.sample(at: indices[index], generator: nil)
    }
}

extension AnyLearner {
    /// Predictions beside targets for `maxN` items of dataset `dsIdx` (fastai `show_results`): the items
    /// are a seeded sample (the loader's seed), drawn as the model sees them before normalization.
    ///
    /// - Classification: each image titled with its target over its prediction, green when they agree.
    /// - Multi-label: the same, with the labels of each joined by `;`.
    /// - Points (a `PointBlock`): true centres (green circles) and predicted ones (red crosses) over each
    ///   image.
    /// - Regression: the numbers as titles.
    ///
    /// `nrows`, `ncols`, `figsize` and `dpi` lay the grid out as fastai's (see ``GridLayout``).
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the inputs are not images, `maxN < 1` or the layout
    ///   is not one; what loading or plotting throws.
    public func showResults(
        dsIdx: Int = 1, maxN: Int = 9, nrows: Int? = nil, ncols: Int? = nil, figsize: (Double, Double)? = nil,
        dpi: Double = 100
    ) throws -> Chart {
        guard maxN >= 1 else { throw VisionError.invalidInput("showResults needs maxN ≥ 1, got \(maxN)") }
        let (kinds, target) = (dls[dsIdx].dataset.kinds, dls[dsIdx].dataset.nInp)
        let pointTargets = kinds.count > target && kinds[target] == .point
        let layout = try GridLayout(
            maxN: maxN, nrows: nrows, ncols: ncols, figsize: figsize, dpi: dpi,
            cellSize: pointTargets ? 160 : 112)
        let maxN = layout.count
        let loader = dls[dsIdx]
        let dataset = loader.dataset
        guard let imageIndex = dataset.kinds.prefix(dataset.nInp).firstIndex(of: .image) else {
            throw VisionError.invalidInput("showResults needs image inputs")
        }
        guard dataset.count > 0, dataset.kinds.count > dataset.nInp else {
            throw VisionError.invalidInput("showResults needs items with targets")
        }
        let order = Generator(seed: Random.deriveSeed(loader.seed, "show-results")).permutation(dataset.count)
        let picked = PickedItems(base: dataset, indices: Array(order.prefix(maxN)))
        let batch = try DataLoader(picked, bs: picked.count, batchTfms: loader.batchTfms, seed: loader.seed)
            .oneBatch()
        model.train(false)
        let output = try withNoGrad {
            guard batch.xs.count == 1 else {
                guard let multi = model as? any MultiInputLayer else {
                    throw VisionError.invalidInput(
                        "the model takes one input, the data has \(batch.xs.count)")
                }
                return multi(batch.xs.map { Variable($0) }).value
            }
            return model(Variable(batch.xs[0])).value
        }
        let decoded = lossFunc.decodes(lossFunc.activation(output))
        var images: [PlotImage] = []
        var samples: [[Tensor]] = []
        for index in 0..<picked.count {
            let sample = try picked.sample(at: index, generator: nil)
            samples.append(sample)
            images.append(try plotImage(sample[imageIndex], range: 0...255))
        }
        let targetIndex = dataset.nInp
        let kind = dataset.kinds[targetIndex]
        let perItem = decoded.count / max(picked.count, 1)
        let predictions = (0..<picked.count).map { item in
            Tensor(
                shape: [perItem], scalars: Array(decoded.scalars[(item * perItem)..<((item + 1) * perItem)]))
        }
        if kind == .point {
            let (height, width) = (samples[0][imageIndex].shape[1], samples[0][imageIndex].shape[2])
            func pixels(_ values: [Float]) -> [Point] {
                stride(from: 0, to: values.count - 1, by: 2).map {
                    Point(
                        x: (Double(values[$0]) + 1) * Double(width) / 2,
                        y: (Double(values[$0 + 1]) + 1) * Double(height) / 2)
                }
            }
            return try Plotting.showResultsPoints(
                images: images, targets: samples.map { pixels($0[targetIndex].scalars) },
                predictions: predictions.map { pixels($0.scalars) }, maxN: maxN, columns: layout.columns,
                cellSize: layout.cellSize)
        }
        let targets = samples.map { describeTarget($0[targetIndex], kind: kind) }
        let guesses = predictions.map { describeTarget($0, kind: kind) }
        return try Plotting.showResults(
            images: images, targets: targets, predictions: guesses, maxN: maxN, columns: layout.columns,
            cellSize: layout.cellSize)
    }

    /// A target or decoded prediction in words: a class name, labels joined by `;`, or numbers.
    private func describeTarget(_ tensor: Tensor, kind: BlockKind) -> String {
        let values = tensor.scalars
        if kind == .category, let vocab = dls.vocab, let first = values.first,
            vocab.indices.contains(Int(first))
        {
            return vocab[Int(first)]
        }
        if kind == .multiCategory, let vocab = dls.vocab {
            return zip(vocab, values).filter { $0.1 > 0.5 }.map(\.0).joined(separator: ";")
        }
        return values.map { String(format: "%.2f", $0) }.joined(separator: ", ")
    }

    /// The prediction for one image file (fastai `learn.predict(item)`): the file goes through the
    /// validation pipeline (the input block, the item transforms without randomness, the batch
    /// transforms that apply to validation, such as `IntToFloatTensor` and `Normalize`), then the model.
    ///
    /// ```swift
    /// let prediction = try learn.predict(path / "valid" / "3" / "0004.png")
    /// prediction.label  // "3"
    /// ```
    ///
    /// - Throws: ``VisionError`` when the file cannot be read; ``Training/TrainingError`` when the learner's
    ///   data was not made by a `DataBlock` with one input.
    public func predict(_ item: Path) throws -> Prediction { try predictItem(item) }

    /// The prediction for one ``Image`` (fastai `learn.predict(PILImage)`), through the validation pipeline.
    ///
    /// - Throws: As ``predict(_:)-(Path)``.
    public func predict(_ image: Image) throws -> Prediction { try predictItem(image) }

    private func predictItem(_ item: any Sendable) throws -> Prediction {
        guard let dataset = dls.valid.dataset as? DatasetSubset, dataset.nInp == 1,
            let block = dataset.blocks.first
        else {
            throw TrainingError(
                "predict(item) needs data made by a DataBlock with one input block; pass a tensor instead")
        }
        let kinds = [block.kind]
        var tensors = [try block.encode(item)]
        for transform in dataset.itemTfms {
            try transform(&tensors, kinds: kinds, generator: nil)
        }
        var batch = [tensors[0].expandingShape(at: 0)]
        let generator = TensorCore.Generator(seed: dls.valid.seed)
        for transform in dls.valid.batchTfms where transform.appliesToValidation {
            try transform(&batch, kinds: kinds, generator: generator, isTraining: false)
        }
        return predict(try batch[0][0])
    }
}
