/// One learning-rate suggestion shown on the lr-finder plot.
public struct LRSuggestion: Sendable, Hashable {
    /// The rule's name (`valley`, `slide`, `minimum`, `steep`).
    public var name: String
    /// Where the dot goes on the learning-rate axis.
    public var lr: Double
    /// The (smoothed) loss plotted at that learning rate.
    public var loss: Double
    /// The learning rate the legend names, when the rule suggests another one than the point it marks
    /// (`minimum` marks the lowest loss and suggests a tenth of its learning rate).
    public var suggested: Double?

    /// A suggestion.
    public init(name: String, lr: Double, loss: Double, suggested: Double? = nil) {
        self.name = name
        self.lr = lr
        self.loss = loss
        self.suggested = suggested
    }
}

/// The learning-rate finder's plot, as fastai's `Recorder.plot_lr_find(skip_end=5)` draws it.
///
/// Loss against learning rate on a log axis, all points but the last `skipEnd`, and one dot per suggestion
/// (colours from the second palette entry on) with a legend like `valley: 3.98e-04`.
///
/// - Parameters:
///   - lrs: Learning rates, one per batch.
///   - losses: Smoothed losses, one per batch.
///   - suggestions: The suggested points.
///   - skipEnd: Points dropped at the end (fastai's default 5).
///   - title: Optional text above the plot (e.g. Thai).
///   - xLabel: The x-axis title.
///   - yLabel: The y-axis title.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: A 640×400 chart.
/// - Throws: ``PlottingError`` when the counts differ or the font is missing.
public func plotLRFind(
    lrs: [Double], losses: [Double], suggestions: [LRSuggestion] = [], skipEnd: Int = 5,
    title: ChartText? = nil, xLabel: ChartText = .term(.lrFinderLearningRate),
    yLabel: ChartText = .term(.lrFinderLoss), style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    guard lrs.count == losses.count else { throw .invalidData("\(lrs.count) lrs but \(losses.count) losses") }
    let kept = max(lrs.count - max(skipEnd, 0), 0)
    let marks = suggestions.enumerated().map { index, suggestion in
        PointMark(
            x: suggestion.lr, y: suggestion.loss,
            label: "\(suggestion.name): \(scientificText(suggestion.suggested ?? suggestion.lr))",
            color: style.color(index + 1))
    }
    return try Chart.drawnPerLanguage([title, xLabel, yLabel]) { (language) throws(PlottingError) in
        try lineChart(
            [Series(x: Array(lrs.prefix(kept)), y: Array(losses.prefix(kept)), color: style.color(0))],
            title: title?.text(in: language), xLabel: xLabel.text(in: language),
            yLabel: yLabel.text(in: language), xScale: .log, marks: marks, style: style)
    }
}

/// The learning curve, as fastai's `recorder.plot_loss()` draws it.
///
/// - Parameters:
///   - trainSteps: The step of each training loss (fastai starts at `skip_start = 5`).
///   - trainLosses: Smoothed training losses.
///   - validSteps: The step at which each validation loss was measured (epoch ends).
///   - validLosses: Validation losses.
///   - epochEnds: Steps where dotted epoch lines go (fastai's `show_epochs`); empty for none.
///   - title: Text above the plot.
///   - xLabel: The x-axis title.
///   - yLabel: The y-axis title.
///   - trainName: Legend entry of the training curve.
///   - validName: Legend entry of the validation curve.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: A 640×400 chart.
/// - Throws: ``PlottingError`` when the counts differ or the font is missing.
public func plotLoss(
    trainSteps: [Double], trainLosses: [Double], validSteps: [Double] = [], validLosses: [Double] = [],
    epochEnds: [Double] = [], title: ChartText? = .term(.learningCurveTitle),
    xLabel: ChartText = .term(.learningCurveSteps), yLabel: ChartText = .term(.learningCurveLoss),
    trainName: ChartText = .term(.trainLegend), validName: ChartText = .term(.validLegend),
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    try Chart.drawnPerLanguage([title, xLabel, yLabel, trainName, validName]) {
        (language) throws(PlottingError) in
        var series = [
            Series(name: trainName.text(in: language), x: trainSteps, y: trainLosses, color: style.color(0))
        ]
        if !validLosses.isEmpty {
            series.append(
                Series(
                    name: validName.text(in: language), x: validSteps, y: validLosses, color: style.color(1)))
        }
        return try lineChart(
            series, title: title?.text(in: language), xLabel: xLabel.text(in: language),
            yLabel: yLabel.text(in: language), verticalRules: epochEnds, style: style)
    }
}

/// The hyper-parameter schedules, as fastai's `recorder.plot_sched()` draws them: learning rate and
/// momentum per batch, side by side.
///
/// - Parameters:
///   - lrs: The learning rate of every training batch (the last parameter group's).
///   - moms: The momentum of every training batch; empty to draw the learning rate alone.
///   - lrTitle: The first panel's title.
///   - momTitle: The second panel's title.
///   - xLabel: The x-axis title of both panels.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: A 900×320 chart (450×320 with no momentum).
/// - Throws: ``PlottingError`` when the font is missing.
public func plotSched(
    lrs: [Double], moms: [Double] = [], lrTitle: ChartText = .term(.scheduleLearningRate),
    momTitle: ChartText = .term(.scheduleMomentum), xLabel: ChartText? = .term(.scheduleBatch),
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    let panelWidth = 450.0
    let height = 320
    let panels = moms.isEmpty ? [(lrTitle, lrs)] : [(lrTitle, lrs), (momTitle, moms)]
    let width = Int(panelWidth) * panels.count
    return try Chart.drawnPerLanguage([lrTitle, momTitle, xLabel]) { (language) throws(PlottingError) in
        try makeChart(width: width, height: height, style: style) { canvas, font in
            for (index, (title, values)) in panels.enumerated() {
                var panel = Panel()
                panel.title = title.text(in: language)
                panel.xLabel = xLabel?.text(in: language)
                panel.lines = [Series(y: values, color: style.color(0))]
                panel.render(
                    in: Rect(x: panelWidth * Double(index), y: 0, width: panelWidth, height: Double(height)),
                    canvas: &canvas, font: font, style: style)
            }
        }
    }
}

/// A metric against the decision threshold (fastbook chapter 6: `accuracy_multi` for thresholds 0.05–0.95),
/// with the best threshold marked.
///
/// - Parameters:
///   - thresholds: The thresholds tried.
///   - values: The metric at each threshold.
///   - metricName: The y-axis title.
///   - xLabel: The x-axis title.
///   - higherIsBetter: Marks the maximum when `true`, the minimum otherwise.
///   - title: Text above the plot.
///   - style: Fonts, sizes, palette and pixel density.
/// - Returns: A 640×400 chart.
/// - Throws: ``PlottingError`` when the counts differ or the font is missing.
public func plotMetricThreshold(
    thresholds: [Double], values: [Double], metricName: ChartText = "accuracy_multi",
    xLabel: ChartText = .term(.thresholdAxis), higherIsBetter: Bool = true, title: ChartText? = nil,
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    guard thresholds.count == values.count else {
        throw .invalidData("\(thresholds.count) thresholds but \(values.count) values")
    }
    let finite = values.indices.filter { values[$0].isFinite }
    let bestIndex =
        higherIsBetter ? finite.max { values[$0] < values[$1] } : finite.min { values[$0] < values[$1] }
    let best = ChartText.term(.thresholdBest)
    return try Chart.drawnPerLanguage([metricName, xLabel, title, best]) { (language) throws(PlottingError) in
        let marks = bestIndex.map { index in
            PointMark(
                x: thresholds[index], y: values[index],
                label:
                    "\(best.text(in: language)): \(fixedText(values[index], digits: 4)) "
                    + "@ \(fixedText(thresholds[index], digits: 2))",
                color: style.color(1))
        }
        return try lineChart(
            [Series(x: thresholds, y: values, color: style.color(0))], title: title?.text(in: language),
            xLabel: xLabel.text(in: language), yLabel: metricName.text(in: language),
            marks: marks.map { [$0] } ?? [],
            style: style)
    }
}

/// A confusion matrix, as fastai's `plot_confusion_matrix()` draws it.
///
/// - Parameters:
///   - matrix: `matrix[actual][predicted]` counts.
///   - classes: The class names (rows and columns).
///   - normalize: Divides each row by its total (then writes `digits` decimals).
///   - title: Text above the matrix.
///   - xLabel: The x-axis title ('Predicted').
///   - yLabel: The y-axis title ('Actual').
///   - digits: Decimals when normalized (fastai's `norm_dec = 2`).
///   - side: The chart's width and height in CSS pixels (default: grows with the number of classes).
///   - style: Fonts, sizes and pixel density.
/// - Returns: The chart.
/// - Throws: ``PlottingError/invalidData(_:)`` when the matrix is not square over `classes` or `side` is
///   not from 120 to 4000 pixels.
public func plotConfusionMatrix(
    _ matrix: [[Int]], classes: [String], normalize: Bool = false,
    title: ChartText? = .term(.confusionMatrixTitle), xLabel: ChartText = .term(.confusionMatrixPredicted),
    yLabel: ChartText = .term(.confusionMatrixActual), digits: Int = 2, side: Int? = nil,
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    if let side, !(120...4000).contains(side) {
        throw .invalidData("a confusion matrix is 120 to 4000 pixels across, not \(side)")
    }
    guard matrix.count == classes.count, matrix.allSatisfy({ $0.count == classes.count }) else {
        throw .invalidData("confusion matrix must be \(classes.count)×\(classes.count)")
    }
    let values = matrix.map { row -> [Double] in
        let total = Double(row.reduce(0, +))
        return row.map { normalize ? (total > 0 ? Double($0) / total : 0) : Double($0) }
    }
    let side = side ?? min(max(120 + 44 * classes.count, 360), 900)
    return try Chart.drawnPerLanguage([title, xLabel, yLabel]) { (language) throws(PlottingError) in
        try heatmap(
            values, xTicks: classes, yTicks: classes, title: title?.text(in: language),
            xLabel: xLabel.text(in: language), yLabel: yLabel.text(in: language),
            digits: normalize ? digits : 0, width: side, height: side, style: style)
    }
}

/// The items with the largest losses, as fastai's `plot_top_losses()` draws them: each titled
/// `prediction/actual / loss / probability` (probability of the *predicted* class).
///
/// - Parameters:
///   - images: The items' pictures, largest loss first.
///   - predicted: Predicted class names.
///   - actual: Actual class names.
///   - losses: Per-item losses.
///   - probabilities: The predicted class's probability per item.
///   - rows: Rows of the grid; by default fastai's `Int(√n)`.
///   - columns: Columns of the grid (wins over `rows`).
///   - cellSize: The side of each picture, in CSS pixels.
///   - suptitle: Text above the grid.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The grid's PNG.
/// - Throws: ``PlottingError/invalidData(_:)`` when the counts differ.
public func plotTopLosses(
    images: [PlotImage], predicted: [String], actual: [String], losses: [Double], probabilities: [Double],
    rows: Int? = nil, columns: Int? = nil, cellSize: Double = 128,
    suptitle: ChartText? = .term(.topLossesTitle),
    style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    let n = images.count
    guard predicted.count == n, actual.count == n, losses.count == n, probabilities.count == n else {
        throw .invalidData("plotTopLosses needs one prediction, actual, loss and probability per image")
    }
    let titles = (0..<n).map {
        "\(predicted[$0])/\(actual[$0]) / \(fixedText(losses[$0])) / \(fixedText(probabilities[$0]))"
    }
    return try Chart.drawnPerLanguage([suptitle]) { (language) throws(PlottingError) in
        try imageGrid(
            images, titles: titles, rows: columns == nil ? rows : nil, columns: columns, cellSize: cellSize,
            suptitle: suptitle?.text(in: language), style: style)
    }
}

/// A batch of inputs with their labels, as fastai's `show_batch(max_n=9)` draws it
/// (`nrows = Int(√n)`, `ncols = ⌈n / nrows⌉`).
///
/// - Parameters:
///   - images: The batch's pictures.
///   - labels: One label per picture (multi-label joined with `;`), or empty.
///   - maxN: At most this many items are shown.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The grid's PNG.
/// - Throws: ``PlottingError`` when there are no images or the font is missing.
public func showBatch(
    images: [PlotImage], labels: [String] = [], maxN: Int = 9, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    let n = min(images.count, maxN)
    return try imageGrid(
        Array(images.prefix(n)), titles: Array(labels.prefix(n)), cellSize: 112, style: style)
}

/// Predictions beside targets, as fastai's `show_results()` draws them: title `target` over `prediction`,
/// green when they agree, red otherwise.
///
/// - Parameters:
///   - images: The pictures.
///   - targets: The true labels.
///   - predictions: The predicted labels.
///   - maxN: At most this many items are shown.
///   - columns: Columns of the grid (default: fastai's shape).
///   - cellSize: The side of each picture, in CSS pixels.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The grid's PNG.
/// - Throws: ``PlottingError/invalidData(_:)`` when the counts differ.
public func showResults(
    images: [PlotImage], targets: [String], predictions: [String], maxN: Int = 9, columns: Int? = nil,
    cellSize: Double = 112, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    guard targets.count == images.count, predictions.count == images.count else {
        throw .invalidData("showResults needs one target and one prediction per image")
    }
    let n = min(images.count, maxN)
    let titles = (0..<n).map { "\(targets[$0])\n\(predictions[$0])" }
    let colors = (0..<n).map { targets[$0] == predictions[$0] ? Color.green : Color.red }
    return try imageGrid(
        Array(images.prefix(n)), titles: titles, titleColors: colors, columns: columns, cellSize: cellSize,
        style: style)
}

/// Key-point results (such as a head's centre): each image with its target and predicted points, and a
/// shared legend.
///
/// - Parameters:
///   - images: The pictures.
///   - targets: Per image, the true points in image pixels.
///   - predictions: Per image, the predicted points in image pixels.
///   - targetName: Legend entry of the targets.
///   - predictionName: Legend entry of the predictions.
///   - maxN: At most this many items are shown.
///   - columns: Columns of the grid (default: fastai's shape).
///   - cellSize: The side of each picture, in CSS pixels.
///   - style: Fonts, sizes and pixel density.
/// - Returns: The grid's PNG.
/// - Throws: ``PlottingError/invalidData(_:)`` when the counts differ.
public func showResultsPoints(
    images: [PlotImage], targets: [[Point]], predictions: [[Point]],
    targetName: ChartText = .term(.pointsTarget), predictionName: ChartText = .term(.pointsPrediction),
    maxN: Int = 6, columns: Int? = nil, cellSize: Double = 160, style: ChartStyle = .standard
) throws(PlottingError) -> Chart {
    guard targets.count == images.count, predictions.count == images.count else {
        throw .invalidData("showResultsPoints needs targets and predictions for every image")
    }
    let n = min(images.count, maxN)
    return try Chart.drawnPerLanguage([targetName, predictionName]) { (language) throws(PlottingError) in
        let sets = (0..<n).map {
            [
                PointSet(
                    name: targetName.text(in: language), points: targets[$0], color: Color(hex: 0x2CA02C),
                    marker: .circle),
                PointSet(
                    name: predictionName.text(in: language), points: predictions[$0],
                    color: Color(hex: 0xD62728), marker: .cross),
            ]
        }
        return try imageGridWithPoints(
            Array(images.prefix(n)), pointSets: sets, columns: columns, cellSize: cellSize, style: style)
    }
}
