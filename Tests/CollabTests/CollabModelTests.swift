import Foundation
import TensorCore
import Testing
import Training
import _TestSupport

@testable import Collab

private func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

/// Sets a parameter's value from Double rows.
private func assign(_ parameter: Parameter, _ rows: [[Double]]) throws {
    parameter.value = try Tensor(rows: rows.map { $0.map(Float.init) })
}

@Suite struct CollabModelTests {
    @Test func embSzRuleMatchesFastai() {
        #expect(embSzRule(944) == 74)
        #expect(embSzRule(1635) == 101)
        #expect(embSzRule(2) == 2)  // 1.6·2^0.56 = 2.36
        #expect(embSzRule(10) == 6)  // 1.6·10^0.56 = 5.81
        #expect(embSzRule(100_000) == 600)  // capped
    }

    @Test func oneHotRows() throws {
        #expect(try oneHot(3, 5).scalars == [0, 0, 0, 1, 0])
        #expect(try oneHot([1, 0, 1], 2).shape == [3, 2])
        #expect(try oneHot([1, 0, 1], 2).scalars == [0, 1, 1, 0, 0, 1])
    }

    @Test func allCloseFollowsTorch() throws {
        let a = Tensor([1, 2, 3])
        #expect(try allClose(a, a + 1e-6, rtol: 1e-5, atol: 1e-8))
        #expect(try !allClose(a, a + 1e-3))
        #expect(try allClose(a, a + 1e-3, atol: 2e-3))
        #expect(try allClose(Tensor(rows: [[1, 2], [1, 2]]), Tensor([1, 2])))  // broadcasting
        #expect(try !allClose(Tensor([Float.nan]), Tensor([Float.nan])))
        #expect(try allClose(Tensor([Float.infinity]), Tensor([Float.infinity])))
    }

    @Test func embeddingLookupIsAOneHotMatrixProduct() throws {
        let table = Random.withSeed(1) { Tensor.normal([6, 4]) }
        let indices = [3, 0, 3, 5]
        let sparse = Parameter(table)
        let dense = Parameter(table)
        let upstream = Random.withSeed(2) { Tensor.normal([4, 4]) }
        let looked = sparse.variable.gather(indices)
        let multiplied = try matmul(Variable(oneHot(indices, 6)), dense.variable)
        #expect(try allClose(looked.value, multiplied.value, rtol: 0, atol: 0))
        (looked * upstream).sum().backward()
        (multiplied * upstream).sum().backward()
        #expect(sparse.grad == nil)
        let sparseGrad = try #require(sparse.sparseGrad)
        #expect(sparseGrad.indices == [0, 3, 5])  // row 3 twice: summed
        let denseGrad = try #require(dense.grad)
        #expect(try allClose(sparseGrad.densified(), denseGrad, rtol: 1e-6, atol: 1e-6))
        // Independent truth: row 3 gets the sum of the upstream rows 0 and 2.
        #expect(try allClose(denseGrad[3], upstream[0] + upstream[2], rtol: 1e-6, atol: 1e-6))
        #expect(try denseGrad[1].scalars == [0, 0, 0, 0])
    }

    @Test func dotProductBiasForwardMatchesAHandComputation() throws {
        let model = DotProductBias(3, 4, 2, yRange: 0...5.5)
        let users = [[0.1, 0.2], [0.5, -0.3], [1.0, 0.4]]
        let movies = [[0.3, 0.1], [-0.2, 0.6], [0.7, 0.7], [0.0, -1.0]]
        let userBias = [0.2, -0.1, 0.05]
        let movieBias = [0.3, 0.0, -0.4, 0.25]
        try assign(model.userFactors.weight, users)
        try assign(model.movieFactors.weight, movies)
        try assign(model.userBias.weight, userBias.map { [$0] })
        try assign(model.movieBias.weight, movieBias.map { [$0] })
        let pairs = [(0, 1), (2, 3), (1, 0), (2, 2)]
        let x = try Tensor(rows: pairs.map { [Float($0.0), Float($0.1)] })
        let output = model(x).value
        #expect(output.shape == [4, 1])
        for (row, (user, movie)) in pairs.enumerated() {
            let dot = zip(users[user], movies[movie]).map(*).reduce(0, +)
            let expected = sigmoid(dot + userBias[user] + movieBias[movie]) * 5.5
            #expect(abs(Double(output[element: [row, 0]]) - expected) < 1e-6)
        }
        #expect(
            model.namedParameters.map(\.name) == [
                "userFactors.weight", "userBias.weight", "movieFactors.weight", "movieBias.weight",
            ])
        #expect(model.movieBias.weight.shape == [4, 1])
    }

    @Test func dotProductBiasGradientsAreSparseAndMatchFiniteDifferences() throws {
        let model = Random.withSeed(4) { DotProductBias(5, 6, 3) }
        for parameter in model.parameters {
            parameter.value = Random.withSeed(5) { Tensor.normal(parameter.shape, std: 0.5) }
        }
        let x = try Tensor(rows: [[1, 2], [4, 2], [1, 5]])
        let target = try Tensor(rows: [[4], [2], [5]])
        func loss() -> Variable { MSELossFlat()(model(x), target) }
        loss().backward()
        let factors = model.movieFactors.weight
        let sparse = factors.sparseGrad
        #expect(sparse?.indices == [2, 5])
        let analytic = factors.denseGrad ?? Tensor.zeros([1])
        let h: Float = 1e-2
        for (row, column) in [(2, 0), (2, 2), (5, 1), (0, 0)] {
            let original = factors.value[element: [row, column]]
            factors.value[element: [row, column]] = original + h
            let plus = withNoGrad { loss().value.scalar }
            factors.value[element: [row, column]] = original - h
            let minus = withNoGrad { loss().value.scalar }
            factors.value[element: [row, column]] = original
            let numeric = (plus - minus) / (2 * h)
            #expect(abs(numeric - analytic[element: [row, column]]) < 2e-3)
        }
    }

    @Test func embeddingDotBiasMatchesDotProductBias() throws {
        let dot = EmbeddingDotBias(nFactors: 3, nUsers: 4, nItems: 5, yRange: 0...5.5)
        let bias = DotProductBias(4, 5, 3)
        for (source, target) in zip(
            [dot.uWeight, dot.iWeight, dot.uBias, dot.iBias],
            [bias.userFactors, bias.movieFactors, bias.userBias, bias.movieBias])
        {
            source.weight.value = Random.withSeed(9) { Tensor.normal(source.weight.shape) }
            target.weight.value = source.weight.value
        }
        let x = try Tensor(rows: [[0, 4], [3, 1], [2, 2]])
        #expect(dot(x).shape == [3])
        #expect(try allClose(dot(x).value, bias(x).value.reshaped([3]), rtol: 1e-6, atol: 1e-6))
        let raw = EmbeddingDotBias(nFactors: 3, nUsers: 4, nItems: 5)
        let u = raw.uWeight.weight.value
        let i = raw.iWeight.weight.value
        let expected =
            try (u[3] * i[1]).sum().scalar + raw.uBias.weight.value[3].scalar
            + raw.iBias.weight.value[1].scalar
        #expect(abs(raw(x).value[element: [1]] - expected) < 1e-7)
    }

    @Test func embeddingNNHasFastaiLayout() throws {
        let model = Random.withSeed(3) {
            EmbeddingNN(embSzs: [(944, 74), (1635, 101)], layers: [100, 50], yRange: 0...5.5)
        }
        let shapes = model.namedParameters.map { "\($0.name) \($0.parameter.shape)" }
        #expect(
            shapes == [
                "embeds.0.weight [944, 74]", "embeds.1.weight [1635, 101]",
                "layers.0.0.weight [100, 175]", "layers.0.2.weight [100]", "layers.0.2.bias [100]",
                "layers.1.0.weight [50, 100]", "layers.1.2.weight [50]", "layers.1.2.bias [50]",
                "layers.2.weight [1, 50]", "layers.2.bias [1]",
            ])
        model.eval()
        let output = try model(Tensor(rows: [[1, 2], [943, 1634], [0, 0]])).value
        #expect(output.shape == [3, 1])
        #expect(output.scalars.allSatisfy { $0 > 0 && $0 < 5.5 })
    }

    @Test func collabLearnerFitsLowRankRatings() throws {
        // Ratings from known 2-factor tastes: a model with factors should fit them far better than a constant.
        let users = 30
        let items = 20
        var rows: [(Int, Int, Double)] = []
        let generator = Generator(seed: 12)
        let userTaste = (0..<users).map { _ in
            (generator.nextDouble() * 2 - 1, generator.nextDouble() * 2 - 1)
        }
        let itemTaste = (0..<items).map { _ in
            (generator.nextDouble() * 2 - 1, generator.nextDouble() * 2 - 1)
        }
        for user in 0..<users {
            for item in 0..<items {
                let score = userTaste[user].0 * itemTaste[item].0 + userTaste[user].1 * itemTaste[item].1
                rows.append((user, item, 3 + 1.5 * score))
            }
        }
        let frame = try DataFrame([
            ("user", .int(rows.map(\.0))), ("item", .int(rows.map(\.1))), ("rating", .double(rows.map(\.2))),
        ])
        let dls = try CollabDataLoaders.fromDF(frame, seed: 1, bs: 32)
        let learn = Random.withSeed(2) { collabLearner(dls, nFactors: 5, yRange: 0...5.5) }
        learn.showProgress = false
        #expect(learn.paramGroups.count == 1)
        #expect(learn.lossFunc is MSELossFlat)
        let ratings = dls.split.valid.map { Float(rows[$0].2) }
        let mean = ratings.reduce(0, +) / Float(ratings.count)
        let constantMSE = ratings.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(ratings.count)
        try learn.fitOneCycle(30, lrMax: 3e-2, wd: 0.01)
        let mse = try learn.validate()[0]
        #expect(mse < 0.5 * Double(constantMSE))
        let nn = Random.withSeed(2) { collabLearner(dls, useNN: true, layers: [8], yRange: 0...5.5) }
        #expect(nn.model.namedParameters.first?.parameter.shape == [31, embSzRule(31)])
    }

    /// The library's models call their embeddings on `[Int]` ids; the summary still sees every table.
    @Test func summaryOfTheLibrarysDotProductBiasIsFastais() throws {
        let ids = Tensor(shape: [200, 2], scalars: (0..<200).flatMap { [Float($0 % 10), Float($0 % 7)] })
        let ratings = Tensor.uniform([200, 1], low: 0, high: 5, generator: Generator(seed: 3))
        let dls = DataLoaders(
            train: TensorDataset(x: ids[0..<160], y: ratings[0..<160]),
            valid: TensorDataset(x: ids[160..<200], y: ratings[160..<200]), bs: 64)
        let learn = Learner(dls, DotProductBias(10, 7, 5), lossFunc: MSELossFlat())
        #expect(try learn.summary().hasPrefix(FastaiSummaries.dotProductBias))
    }

    /// `collabLearner`'s model, summarised as fastai summarises `collab_learner`'s.
    @Test func summaryOfCollabLearnersModelIsFastais() throws {
        let frame = try DataFrame([
            ("user", .int((0..<200).map { $0 % 10 })), ("item", .int((0..<200).map { $0 % 7 })),
            ("rating", .double((0..<200).map { Double(1 + $0 % 5) })),
        ])
        let dls = try CollabDataLoaders.fromDF(frame, seed: 1, bs: 64)
        let learn = collabLearner(dls, nFactors: 5, yRange: 0...5.5)
        #expect(try learn.summary().hasPrefix(FastaiSummaries.embeddingDotBias))
    }

    /// `learn.model` has the model's own type, so its layers are members compiled Swift can name.
    @Test func learnersKeepTheirModelsTypes() throws {
        let frame = try DataFrame([
            ("user", .int([0, 1, 2, 0, 1, 2])), ("item", .int([0, 0, 1, 1, 2, 2])),
            ("rating", .double([1, 2, 3, 4, 5, 3])),
        ])
        let dls = try CollabDataLoaders.fromDF(frame, seed: 1, bs: 2)
        let learn = Random.withSeed(2) { collabLearner(dls, nFactors: 3, yRange: 0...5.5) }
        // Compiles only because `model` is an EmbeddingDotBias: one bias per item of the vocabulary.
        let items = try dls.classes["item"]
        let itemBias: Parameter = learn.model.iBias.weight
        #expect(itemBias.shape == [items.count, 1])
        // fastai's o2i: each label's index, #na# first, nil for a label not in the vocabulary.
        #expect(items.first == "#na#" && items.o2i["#na#"] == 0)
        for (index, label) in items.enumerated() { #expect(items.o2i[label] == index) }
        #expect(items.o2i.count == items.count)
        #expect(items.o2i["no such item"] == nil)
        // The same object seen as any learner (what callbacks get) and with the erased model.
        let erased: AnyLearner = learn
        #expect(erased.model as AnyObject === learn.model)
        #expect(
            erased.model.parameterNames == [
                "uWeight.weight", "iWeight.weight", "uBias.weight", "iBias.weight",
            ])
        // The Bool overload picks its model at run time: `Learner<any Layer>`, same draws as before.
        let same = Random.withSeed(2) { collabLearner(dls, nFactors: 3, useNN: false, yRange: 0...5.5) }
        #expect(same.model is EmbeddingDotBias)
        #expect(same.model.parameters.map(\.value) == learn.model.parameters.map(\.value))
        let nn = Random.withSeed(2) { collabLearner(dls, useNN: true, yRange: 0...5.5) }
        #expect(nn.model is EmbeddingNN)
        // A model the caller wrote keeps its type too.
        let own = Learner(dls, DotProductBias(4, 4, 2), lossFunc: MSELossFlat())
        let movieBias: Embedding = own.model.movieBias
        #expect(movieBias.weight.shape == [4, 1])
    }
}
