import Foundation
import TensorCore
import Testing
import Training

@testable import Collab

@Suite struct InspectionTests {
    @Test func topItemsSortsWithStableTies() throws {
        let values = Tensor(shape: [5, 1], scalars: [0.5, -1, 2, 0.5, -3])
        let titles = ["a", "b", "c", "d", "e"]
        #expect(try topItems(values, titles, count: 3, largest: true) == ["c", "a", "d"])
        #expect(try topItems(values, titles, count: 2, largest: false) == ["e", "b"])
        let vocab = CategoryMap(["b", "a", "c"], addNA: true)
        let bias = Parameter(Tensor(shape: [4, 1], scalars: [0, 0.2, -0.4, 0.9]))
        #expect(try topItems(bias, vocab, count: 2) == ["c", "a"])
    }

    @Test func cosineSimilarityOfRows() throws {
        let matrix = try Tensor(rows: [[1, 0], [0, 2], [3, 3], [0, 0]])
        let similarity = try cosineSimilarity(matrix, Tensor([2, 0])).scalars
        #expect(abs(similarity[0] - 1) < 1e-6)
        #expect(abs(similarity[1]) < 1e-6)
        #expect(abs(similarity[2] - Float(0.5).squareRoot()) < 1e-6)
        #expect(similarity[3] == 0)
    }

    @Test func jacobiFindsKnownEigenpairs() {
        let (values, vectors) = symmetricEigen([2, 1, 0, 1, 2, 0, 0, 0, 5], 3)
        #expect(values.map { ($0 * 1e9).rounded() / 1e9 }.sorted() == [1, 3, 5])
        // Each column v satisfies A·v = λ·v.
        let a: [[Double]] = [[2, 1, 0], [1, 2, 0], [0, 0, 5]]
        for column in 0..<3 {
            let v = (0..<3).map { vectors[$0 * 3 + column] }
            for row in 0..<3 {
                let av = (0..<3).map { a[row][$0] * v[$0] }.reduce(0, +)
                #expect(abs(av - values[column] * v[row]) < 1e-12)
            }
        }
    }

    @Test func pcaRecoversAPlantedDirection() {
        // Points spread along (3, 4)/5 with less spread along (−4, 3)/5, offset from the origin; each
        // point comes with its mirror across the main axis, so the two coordinates are exactly uncorrelated.
        let generator = Generator(seed: 3)
        var scalars: [Float] = []
        var along: [Double] = []
        var across: [Double] = []
        for _ in 0..<100 {
            let a = generator.nextDouble() * 20 - 10
            let b = generator.nextDouble() - 0.5
            for sign in [1.0, -1.0] {
                along.append(a)
                across.append(sign * b)
                scalars += [Float(7 + a * 0.6 - sign * b * 0.8), Float(-2 + a * 0.8 + sign * b * 0.6)]
            }
        }
        let projected = pca(Tensor(shape: [200, 2], scalars: scalars), k: 2)
        #expect(projected.shape == [200, 2])
        let meanAlong = along.reduce(0, +) / 200
        let meanAcross = across.reduce(0, +) / 200
        for row in 0..<200 {
            // Sign convention: the largest component of (0.6, 0.8) and of ±(−0.8, 0.6) is made positive.
            #expect(abs(Double(projected[element: [row, 0]]) - (along[row] - meanAlong)) < 1e-3)
            #expect(abs(Double(projected[element: [row, 1]]) + (across[row] - meanAcross)) < 1e-3)
        }
    }

    @Test func itemFactorMapPicksTheMostRatedItems() throws {
        let ratings = try DataFrame([
            ("user", .int([1, 2, 3, 1, 2, 1, 4, 5, 6, 7])),
            ("title", .string(["B", "B", "B", "A", "A", "C", "D", "D", "D", "D"])),
        ])
        let titles = ["#na#", "A", "B", "C", "D"]
        let factors = try Tensor(rows: [[0, 0, 0], [1, 0, 2], [0, 1, 1], [5, 5, 5], [2, 2, 0]])
        let map = try itemFactorMap(
            factors, titles: titles, ratings: ratings, itemName: "title", count: 2, pcaCount: 3)
        #expect(map.titles == ["D", "B"])
        let full = pca(factors.gather([4, 2, 1]), k: 2)
        #expect(map.x == [Double(full[element: [0, 0]]), Double(full[element: [1, 0]])])
        #expect(map.y == [Double(full[element: [0, 1]]), Double(full[element: [1, 1]])])
        let chart = try plotItemFactors(
            factors, titles: titles, ratings: ratings, itemName: "title", count: 3, pcaCount: 3,
            title: "ภาพยนตร์", width: 300, height: 200)
        #expect(Array(chart.png.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(chart.width == 300)
    }
}
