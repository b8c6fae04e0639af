import Foundation
import TensorCore

/// The points of the training loop at which callbacks run, in fastai's order.
public enum TrainingEvent: Sendable, CaseIterable {
    case beforeFit, beforeEpoch, beforeTrain, beforeBatch, afterPred, afterLoss, afterBackward, afterStep
    case afterBatch, afterTrain, beforeValidate, afterValidate, afterEpoch, afterFit
}

/// What a callback asks the loop to do next (instead of fastai's control-flow exceptions).
public enum CallbackDecision: Sendable, Equatable {
    /// Carry on.
    case proceed
    /// Skip the rest of this batch (`afterBatch` still runs).
    case skipBatch
    /// Skip the rest of this epoch's training phase.
    case stopTrain
    /// Skip this epoch's validation.
    case skipValidation
    /// Skip the rest of this epoch (`afterEpoch` still runs).
    case stopEpoch
    /// Stop training (`afterFit` still runs).
    case stopFit
}

/// A participant in the training loop; callbacks run sorted by ``order`` (stable), fastai's convention.
public protocol Callback: AnyObject, Sendable {
    /// Sort key: TrainEval −10, Recorder 50, schedulers 60, progress 70.
    var order: Int { get }
    /// Reacts to `event`; the first non-`proceed` decision of an event wins and later callbacks skip it.
    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision
}

/// Sets per-group hyperparameters from schedules of `pctTrain` before each training batch (fastai `ParamScheduler`).
public final class ParamScheduler: Callback, @unchecked Sendable {
    /// Runs after the recorder.
    public let order = 60
    /// One learning-rate schedule per group.
    public let lr: [Schedule]
    /// One momentum schedule per group, if momentum is scheduled.
    public let mom: [Schedule]?

    /// Creates a scheduler.
    public init(lr: [Schedule], mom: [Schedule]? = nil) {
        self.lr = lr
        self.mom = mom
    }

    /// Sets lr and mom before each training batch.
    public func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        guard event == .beforeBatch, learner.training, let opt = learner.opt else { return .proceed }
        let pos = learner.pctTrain
        opt.setLRs(lr.map { $0(pos) })
        if let mom { opt.setMoms(mom.map { $0(pos) }) }
        return .proceed
    }
}

/// The learning-rate finder's callback: exponential lrs per batch, stop on divergence (fastai `LRFinder`).
public final class LRFinder: Callback, @unchecked Sendable {
    /// Runs with the schedulers.
    public let order = 60
    /// First learning rate.
    public let startLR: Double
    /// Learning rate that would be reached at `numIt`.
    public let endLR: Double
    /// Number of batches.
    public let numIt: Int
    /// Whether to stop when the smoothed loss exceeds 4× its best.
    public let stopDiv: Bool
    private var bestLoss = Double.infinity

    /// Creates the callback.
    public init(startLR: Double = 1e-7, endLR: Double = 10, numIt: Int = 100, stopDiv: Bool = true) {
        self.startLR = startLR
        self.endLR = endLR
        self.numIt = numIt
        self.stopDiv = stopDiv
    }

    /// Schedules the lr, tracks the best loss, stops on divergence or after `numIt` batches, skips validation.
    public func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        switch event {
        case .beforeFit:
            bestLoss = .infinity
        case .beforeBatch where learner.training:
            let lr = schedExp(startLR, endLR)(Double(learner.trainIter) / Double(numIt))
            learner.opt?.setLRs(Array(repeating: lr, count: learner.opt?.groups.count ?? 0))
        case .afterBatch where learner.training:
            let smooth = learner.smoothLoss
            if smooth < bestLoss { bestLoss = smooth }
            if stopDiv && (smooth > 4 * bestLoss || smooth.isNaN) { return .stopFit }
            if learner.trainIter >= numIt { return .stopFit }
        case .beforeValidate:
            return .skipValidation
        default:
            break
        }
        return .proceed
    }
}

/// The per-epoch table: `epoch train_loss valid_loss <metrics> time`.
public struct EpochTable: Sendable, Equatable {
    /// Column names.
    public var header: [String]
    /// One formatted row per epoch.
    public var rows: [[String]]
}

/// Records losses, learning rates, momentums and per-epoch values (fastai `Recorder`).
///
/// Reset at the start of every `fit`. ``lrs``, ``moms`` and ``losses`` have one entry per training
/// batch (last group's lr and mom; smoothed loss); ``values`` one row per epoch
/// `[train_loss, valid_loss, metrics…]` and ``iters`` the cumulative batch count at each epoch end.
public final class Recorder: Callback, @unchecked Sendable {
    /// Runs after TrainEval, before the schedulers' next batch.
    public let order = 50
    /// Learning rate of the last group, per training batch.
    public private(set) var lrs: [Double] = []
    /// Momentum of the last group, per training batch.
    public private(set) var moms: [Double] = []
    /// Smoothed training loss, per training batch.
    public private(set) var losses: [Double] = []
    /// Cumulative training batches at each epoch end.
    public private(set) var iters: [Int] = []
    /// `[train_loss, valid_loss, metrics…]` per epoch.
    public private(set) var values: [[Double]] = []
    /// Metric names, in column order.
    public private(set) var metricNames: [String] = []
    /// The epoch table of the last fit.
    public private(set) var table = EpochTable(header: [], rows: [])
    private var smoother = AvgSmoothLoss()
    private var epochStart = Date()
    private var validLossSum = 0.0
    private var validCount = 0
    private var metricSums: [Double] = []
    private var accumulatedPreds: [Tensor] = []
    private var accumulatedTargets: [Tensor] = []

    /// Creates an empty recorder.
    public init() {}

    /// What a finished fit leaves in the recorder (the per-batch accumulators are reset by every fit).
    public struct State: Sendable, Equatable, Codable {
        /// ``Recorder/lrs``.
        public var lrs: [Double]
        /// ``Recorder/moms``.
        public var moms: [Double]
        /// ``Recorder/losses``.
        public var losses: [Double]
        /// ``Recorder/iters``.
        public var iters: [Int]
        /// ``Recorder/values``.
        public var values: [[Double]]
        /// ``Recorder/metricNames``.
        public var metricNames: [String]
        /// ``Recorder/table``'s header.
        public var tableHeader: [String]
        /// ``Recorder/table``'s rows.
        public var tableRows: [[String]]
    }

    /// The recorded values.
    public var state: State {
        get {
            State(
                lrs: lrs, moms: moms, losses: losses, iters: iters, values: values, metricNames: metricNames,
                tableHeader: table.header, tableRows: table.rows)
        }
        set {
            (lrs, moms, losses, iters, values, metricNames) = (
                newValue.lrs, newValue.moms, newValue.losses, newValue.iters, newValue.values,
                newValue.metricNames
            )
            table = EpochTable(header: newValue.tableHeader, rows: newValue.tableRows)
        }
    }

    /// Records the loop's values.
    public func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        switch event {
        case .beforeFit:
            (lrs, moms, losses, iters, values) = ([], [], [], [], [])
            smoother.reset()
            learner.smoothLoss = .nan
            metricNames = learner.metrics.map(\.name)
            table = EpochTable(
                header: ["epoch", "train_loss", "valid_loss"] + metricNames + ["time"], rows: [])
        case .beforeEpoch:
            epochStart = Date()
        case .afterBatch where learner.training:
            smoother.accumulate(learner.loss)
            learner.smoothLoss = smoother.value
            losses.append(smoother.value)
            if let last = learner.opt?.groups.last?.hyper {
                lrs.append(last.lr)
                moms.append(last.mom)
            }
        case .beforeValidate:
            validLossSum = 0
            validCount = 0
            metricSums = Array(repeating: 0, count: learner.metrics.count)
            accumulatedPreds = []
            accumulatedTargets = []
        case .afterBatch where !learner.training:
            let bs = Double(learner.batchSize)
            validLossSum += learner.loss * bs
            validCount += learner.batchSize
            for (index, metric) in learner.metrics.enumerated() {
                switch metric.reduction {
                case .average: metricSums[index] += metric.compute(learner.pred, learner.target) * bs
                case .accumulated: break
                }
            }
            if learner.metrics.contains(where: { $0.reduction == .accumulated }) {
                accumulatedPreds.append(learner.pred)
                accumulatedTargets.append(learner.target)
            }
        case .afterEpoch:
            var row = [smoother.value]
            if validCount > 0 {
                row.append(validLossSum / Double(validCount))
                for (index, metric) in learner.metrics.enumerated() {
                    switch metric.reduction {
                    case .average: row.append(metricSums[index] / Double(validCount))
                    case .accumulated:
                        row.append(
                            metric.compute(Tensor.concat(accumulatedPreds), Tensor.concat(accumulatedTargets))
                        )
                    }
                }
            }
            values.append(row)
            iters.append(losses.count)
            let seconds = Int(Date().timeIntervalSince(epochStart).rounded())
            var cells = [String(learner.epoch)] + row.map { String(format: "%.6f", $0) }
            while cells.count < table.header.count - 1 { cells.append("") }
            cells.append(String(format: "%02d:%02d", seconds / 60, seconds % 60))
            table.rows.append(cells)
            learner.logger?(table.header, cells)
            validCount = 0
        default:
            break
        }
        return .proceed
    }
}

/// Prints a progress bar per batch and the epoch table on a terminal; silent when stdout is not one.
public final class ProgressCallback: Callback, @unchecked Sendable {
    /// Runs last.
    public let order = 70
    private let enabled: Bool
    private var printedHeader = false
    private var lastDraw = Date.distantPast

    /// Creates the callback; it prints only when standard output is a terminal.
    public init(enabled: Bool = isatty(1) != 0) { self.enabled = enabled }

    /// Draws the bar and prints finished rows.
    public func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        guard enabled, learner.showProgress else { return .proceed }
        switch event {
        case .beforeFit:
            printedHeader = false
        case .afterBatch:
            let now = Date()
            guard now.timeIntervalSince(lastDraw) > 0.1 || learner.iter + 1 == learner.nIter else { break }
            lastDraw = now
            let width = 30
            let done = learner.nIter > 0 ? (learner.iter + 1) * width / learner.nIter : width
            let bar = String(repeating: "█", count: done) + String(repeating: "░", count: width - done)
            let phase = learner.training ? "train" : "valid"
            // Never wider than the terminal: a wrapped bar is not erased by `\r`, and would bury the rows.
            let line = "\(bar) \(learner.iter + 1)/\(learner.nIter) \(phase) epoch \(learner.epoch)"
            write("\r\u{1B}[2K" + String(line.prefix(max(Self.terminalColumns() - 1, 1))))
        case .afterEpoch:
            let table = learner.recorder.table
            guard let row = table.rows.last else { break }
            var text = "\r\u{1B}[2K"
            if !printedHeader {
                text +=
                    table.header.map { $0.padding(toLength: max($0.count, 10), withPad: " ", startingAt: 0) }
                    .joined(separator: " ") + "\n"
                printedHeader = true
            }
            text += zip(table.header, row).map { header, cell in
                cell.padding(toLength: max(header.count, 10), withPad: " ", startingAt: 0)
            }.joined(separator: " ")
            write(text + "\n")
        case .afterFit:
            write("\r\u{1B}[2K")
        default:
            break
        }
        return .proceed
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The width of the terminal on standard output (80 when it cannot be read).
    static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}
