import Collab
import Foundation
import TensorCore
import Training

/// `fastai-collab`: one `fitOneCycle(1, lrMax: 5e-3, wd: 0.1)` epoch of `collabLearner` on MovieLens 100k.
///
/// Twin of bench/python/fastai_collab.py (fastbook chapter 8): ratings merged with titles,
/// `CollabDataLoaders.fromDF(itemName: "title", seed: 42, bs: 64)`, `collabLearner(nFactors: 50,
/// yRange: 0...5.5)`; a fresh loaders + learner per repetition, only `fitOneCycle` timed; the validation
/// MSE of the fastest repetition is reported. Needs lessons/data/ml-100k (`khru-bench data`).
func benchFastaiCollab(_ options: BenchOptions) {
    let folder = "lessons/data/ml-100k"
    do {
        let ratings = try DataFrame.readCSV(
            folder + "/u.data", delimiter: "\t", header: false,
            names: ["user", "movie", "rating", "timestamp"])
        let movies = try DataFrame.readCSV(
            folder + "/u.item", delimiter: "|", header: false, names: ["movie", "title"], encoding: .latin1,
            usecols: [0, 1])
        let merged = try ratings.merge(movies)
        var best = Double.infinity
        var bestMSE = Double.nan
        var batches = 0
        for repetition in 0..<options.reps {
            let dls = try CollabDataLoaders.fromDF(merged, itemName: "title", seed: 42, bs: 64)
            let learn = Random.withSeed(UInt64(repetition)) {
                collabLearner(dls, nFactors: 50, yRange: 0...5.5)
            }
            learn.showProgress = false
            var thrown: (any Error)?
            let elapsed = seconds {
                do { try learn.fitOneCycle(1, lrMax: 5e-3, wd: 0.1) } catch { thrown = error }
            }
            if let thrown { throw thrown }
            if elapsed < best {
                best = elapsed
                bestMSE = try learn.validate()[0]
            }
            batches = dls.train.count
        }
        emit("fastai-collab", "ml-100k", ["seconds": best, "valid_mse": bestMSE, "batches": Double(batches)])
    } catch {
        emitUnavailable("fastai-collab", "ml-100k", reason: "\(error)".prefix(60).description)
    }
}
