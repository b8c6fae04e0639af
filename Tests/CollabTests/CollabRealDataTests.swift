import Foundation
import TensorCore
import Testing
import Training

@testable import Collab

/// The environment variable that turns on the long comparison run (5 epochs, exports the split).
private let comparisonFolder = ProcessInfo.processInfo.environment["KHRU_COLLAB_COMPARE"]

/// Ratings merged with titles, as the lesson reads them (fastbook chapter 8).
private func readRated() throws -> DataFrame {
    let ratings = try DataFrame.readCSV(
        preparedFolder + "/u.data", delimiter: "\t", header: false,
        names: ["user", "movie", "rating", "timestamp"])
    let movies = try DataFrame.readCSV(
        preparedFolder + "/u.item", delimiter: "|", header: false, names: ["movie", "title"],
        encoding: .latin1,
        usecols: [0, 1])
    return try ratings.merge(movies)
}

/// Trains fastbook's DotProductBias with `fitOneCycle(epochs, 5e-3, wd:)`; returns the valid MSE per epoch.
private func train(
    _ dls: CollabDataLoaders, epochs: Int, wd: Double, modelSeed: UInt64
) throws -> (mse: [Double], seconds: Double) {
    let model = try Random.withSeed(modelSeed) {
        try DotProductBias(dls.classes["user"].count, dls.classes["title"].count, 50)
    }
    let learn = Learner(dls, model, lossFunc: MSELossFlat())
    learn.showProgress = false
    let clock = ContinuousClock()
    let start = clock.now
    try learn.fitOneCycle(epochs, lrMax: 5e-3, wd: wd)
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    return (learn.recorder.values.map { $0[1] }, seconds)
}

@Suite(.serialized) struct CollabRealDataTests {
    /// `KHRU_PREPARE_MOVIELENS=1 swift test --filter prepareRealData` downloads and converts the data.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KHRU_PREPARE_MOVIELENS"] == "1"))
    func prepareRealData() throws {
        let files = try MovieLens.prepare(in: preparedFolder) { print($0) }
        #expect(try MovieLens.readRatings(at: files.ratings).count == MovieLens.ratingCount)
    }

    @Test(.enabled(if: isPrepared, "needs lessons/data/ml-100k (make data)"))
    func oneEpochOnRealRatingsLearns() throws {
        let rated = try readRated()
        #expect(rated.count == 100_000)
        let dls = try Random.withSeed(Random.deriveSeed(42, "dls")) {
            try CollabDataLoaders.fromDF(rated, itemName: "title", bs: 64)
        }
        #expect(dls.train.count == 1250)
        #expect(dls.valid.dataset.count == 20_000)
        // The training split holds almost every user and title (fastbook: 944 and 1,635).
        #expect(try dls.classes["user"].count == 944)
        #expect(try (1600...1664).contains(dls.classes["title"].count))
        let (mse, seconds) = try train(dls, epochs: 1, wd: 0.1, modelSeed: Random.deriveSeed(42, "model"))
        print("collab: 1 epoch on ML-100k: valid MSE \(mse), \(seconds) s")
        #expect(mse[0] < 1.0)
    }

    /// `KHRU_COLLAB_COMPARE=<folder>`: the acceptance run, 5 epochs with and without weight decay on
    /// several splits; writes `split-<seed>.json` into the folder for `bench/python/collab_fastai.py`.
    @Test(.enabled(if: isPrepared && comparisonFolder != nil))
    func fiveEpochComparisonRuns() throws {
        let folder = comparisonFolder ?? "."
        let rated = try readRated()
        let extraSeeds = ProcessInfo.processInfo.environment["KHRU_COLLAB_SEEDS"]?.split(separator: ",")
            .compactMap { UInt64($0) }
        for seed in [Random.deriveSeed(42, "dls")] + (extraSeeds ?? []) {
            let dls = try Random.withSeed(seed) {
                try CollabDataLoaders.fromDF(rated, itemName: "title", bs: 64)
            }
            try dls.exportSplit(to: folder + "/split-\(seed).json")
            let withWd = try train(dls, epochs: 5, wd: 0.1, modelSeed: Random.deriveSeed(42, "model"))
            let noWd = try train(dls, epochs: 5, wd: 0, modelSeed: Random.deriveSeed(42, "model"))
            let line =
                try
                "khru seed=\(seed) users=\(dls.classes["user"].count) titles=\(dls.classes["title"].count) "
                + "wd0.1=\(withWd.mse.map { String(format: "%.4f", $0) }) \(String(format: "%.1f", withWd.seconds))s "
                + "wd0=\(noWd.mse.map { String(format: "%.4f", $0) }) \(String(format: "%.1f", noWd.seconds))s"
            print(line)
            let log = folder + "/khru-results.txt"
            let previous = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            try Data((previous + line + "\n").utf8).write(to: URL(fileURLWithPath: log))
            #expect(withWd.mse.last ?? 9 < noWd.mse.last ?? 0)
        }
    }
}

/// Records every training batch's raw loss and snapshots the parameters after chosen steps.
private final class StepRecorder: Callback, @unchecked Sendable {
    let order = 55
    let snapshotSteps: Set<Int>
    private(set) var losses: [Double] = []
    private(set) var snapshots: [Int: [[Float]]] = [:]

    init(snapshotSteps: Set<Int>) { self.snapshotSteps = snapshotSteps }

    func handle(_ event: TrainingEvent, _ learner: AnyLearner) -> CallbackDecision {
        guard event == .afterBatch, learner.training else { return .proceed }
        losses.append(learner.loss)
        if snapshotSteps.contains(losses.count) {
            snapshots[losses.count] = learner.model.parameters.map(\.value.scalars)
        }
        return .proceed
    }
}

/// The floats of `arrays`, one after the other, little-endian.
private func littleEndianBytes(_ arrays: [[Float]]) -> Data {
    var data = Data()
    for array in arrays {
        for value in array {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
    }
    return data
}

/// The lesson's seeds for the comparison (`KHRU_COLLAB_SEEDS`, comma-separated; default 42).
private let comparisonSeeds =
    ProcessInfo.processInfo.environment["KHRU_COLLAB_SEEDS"]?.split(separator: ",").compactMap { UInt64($0) }
    ?? [42]

extension CollabRealDataTests {
    /// `KHRU_COLLAB_EXACT=<folder>`: lesson 05's weight-decay fit, exactly as the lesson seeds it
    /// (loaders under the `dls` cell's seed, the model under the `fit-wd` cell's, the loaders' epochs 5–9
    /// because the lesson's `fit` cell used 0–4), for every seed of `KHRU_COLLAB_SEEDS`; writes into
    /// `<folder>/seed-<s>/` the split (`split.json`), the encoded rows, the five epochs' batch order and
    /// the results (`exact.json`), the initial weights (`init.bin`) and the weights after steps 1, 2,
    /// 10 and 100 (`step-<k>.bin`), for `bench/python/collab_exact.py` to replay in fastai.
    @Test(.enabled(if: isPrepared && ProcessInfo.processInfo.environment["KHRU_COLLAB_EXACT"] != nil))
    func exactComparisonExports() throws {
        let root = ProcessInfo.processInfo.environment["KHRU_COLLAB_EXACT"] ?? "."
        let rated = try readRated()
        for lessonSeed in comparisonSeeds {
            let folder = root + "/seed-\(lessonSeed)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let dls = try Random.withSeed(Random.deriveSeed(lessonSeed, "dls")) {
                try CollabDataLoaders.fromDF(rated, itemName: "title", bs: 64)
            }
            try dls.exportSplit(to: folder + "/split.json")
            let firstEpoch = 5
            dls.train.epochsStarted = firstEpoch
            let orders = (firstEpoch..<firstEpoch + 5).map { dls.train.order(epoch: $0) }
            let model = try Random.withSeed(Random.deriveSeed(lessonSeed, "fit-wd")) {
                try DotProductBias(dls.classes["user"].count, dls.classes["title"].count, 50)
            }
            let initial = model.parameters.map(\.value.scalars)
            try littleEndianBytes(initial).write(to: URL(fileURLWithPath: folder + "/init.bin"))
            let steps = StepRecorder(snapshotSteps: [1, 2, 10, 100])
            let learn = Learner(dls, model, lossFunc: MSELossFlat())
            learn.cbs = [steps]
            learn.showProgress = false
            try learn.fitOneCycle(5, lrMax: 5e-3, wd: 0.1)
            for (step, weights) in steps.snapshots {
                try littleEndianBytes(weights).write(to: URL(fileURLWithPath: folder + "/step-\(step).bin"))
            }
            guard let train = dls.train.dataset as? CollabDataset,
                let valid = dls.valid.dataset as? CollabDataset
            else { throw TrainingError("collab loaders hold collab datasets") }
            func rows(_ set: CollabDataset) -> [String: Any] {
                ["users": set.users, "items": set.items, "ratings": set.ratings.map(Double.init)]
            }
            let exact: [String: Any] = [
                "lessonSeed": String(lessonSeed),
                "parameters": model.namedParameters.map { ["name": $0.name, "shape": $0.parameter.shape] },
                "userVocab": try dls.classes["user"].items,
                "itemVocab": try dls.classes["title"].items,
                "train": rows(train), "valid": rows(valid), "orders": orders,
                "khru": [
                    "validMSE": learn.recorder.values.map { $0[1] },
                    "trainLoss": learn.recorder.values.map { $0[0] },
                    "losses": steps.losses, "lrs": learn.recorder.lrs, "moms": learn.recorder.moms,
                ],
            ]
            try JSONSerialization.data(withJSONObject: exact).write(
                to: URL(fileURLWithPath: folder + "/exact.json"))
            let mse = learn.recorder.values.map { String(format: "%.4f", $0[1]) }.joined(separator: ",")
            print("khru lessonSeed=\(lessonSeed) valid_mse=\(mse)")
            #expect(learn.recorder.values.count == 5)
        }
    }
}
