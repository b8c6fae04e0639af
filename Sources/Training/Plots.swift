import Plotting

/// Labels for the training plots: the library's terms (drawn in each lesson language) or a lesson's
/// own words (string literals).
public struct PlotLabels: Sendable, Hashable {
    /// The chart title, if any.
    public var title: ChartText?
    /// The x-axis label.
    public var xLabel: ChartText
    /// The y-axis label.
    public var yLabel: ChartText

    /// Creates labels.
    public init(title: ChartText? = nil, xLabel: ChartText, yLabel: ChartText) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }
}

extension Recorder {
    /// The validation loss of each epoch of the last fit (`values[e][1]`).
    public var validLosses: [Double] { values.compactMap { $0.count > 1 ? $0[1] : nil } }

    /// The smoothed training loss at the end of each epoch of the last fit (`values[e][0]`).
    public var trainLosses: [Double] { values.compactMap(\.first) }

    /// fastai's `plot_loss`: the smoothed training loss per batch from `skipStart`, and the validation
    /// loss at each epoch end.
    ///
    /// - Throws: ``Plotting/PlottingError`` when the font cannot be loaded.
    public func plotLoss(
        skipStart: Int = 5, withValid: Bool = true,
        labels: PlotLabels = PlotLabels(
            title: .term(.learningCurveTitle), xLabel: .term(.learningCurveSteps),
            yLabel: .term(.learningCurveLoss))
    ) throws -> Chart {
        let start = min(max(skipStart, 0), losses.count)
        let validSteps = withValid ? iters.map(Double.init) : []
        let valid = withValid ? validLosses : []
        return try Plotting.plotLoss(
            trainSteps: (start..<losses.count).map(Double.init), trainLosses: Array(losses[start...]),
            validSteps: Array(validSteps.prefix(valid.count)), validLosses: valid, title: labels.title,
            xLabel: labels.xLabel, yLabel: labels.yLabel)
    }

    /// fastai's `plot_sched`: the last group's learning rate and momentum per batch.
    ///
    /// - Throws: ``Plotting/PlottingError`` when the font cannot be loaded.
    public func plotSched() throws -> Chart {
        try Plotting.plotSched(lrs: lrs, moms: moms)
    }
}

extension SuggestedLRs {
    /// fastai's `plot_lr_find`: loss against learning rate on a log axis (the last 5 points skipped),
    /// one dot per suggestion.
    ///
    /// - Throws: ``Plotting/PlottingError`` when the font cannot be loaded.
    public func plot(
        labels: PlotLabels = PlotLabels(xLabel: .term(.lrFinderLearningRate), yLabel: .term(.lrFinderLoss))
    ) throws -> Chart {
        try plotLRFind(
            lrs: lrs, losses: losses,
            suggestions: suggestions.map {
                LRSuggestion(name: $0.name, lr: $0.point.lr, loss: $0.point.loss, suggested: $0.lr)
            },
            title: labels.title, xLabel: labels.xLabel, yLabel: labels.yLabel)
    }
}

/// fastbook's `plot_function`: draws `f` over `min...max` (100 points).
///
/// - Throws: ``TrainingError`` unless `min < max`; whatever `f` throws; ``Plotting/PlottingError`` when
///   the font cannot be loaded.
public func plotFunction(
    _ f: (Double) throws -> Double, min: Double = -2, max: Double = 2, title: ChartText? = nil,
    xLabel: ChartText = "x", yLabel: ChartText = "y"
) throws -> Chart {
    guard min < max else { throw TrainingError("plotFunction needs min < max, got \(min) and \(max)") }
    let xs = (0..<100).map { min + (max - min) * Double($0) / 99 }
    let ys = try xs.map(f)
    return try Chart.drawnPerLanguage([title, xLabel, yLabel]) { language throws(PlottingError) in
        try lineChart(
            [Series(x: xs, y: ys)], title: title?.text(in: language), xLabel: xLabel.text(in: language),
            yLabel: yLabel.text(in: language), width: 480, height: 320)
    }
}
