import Foundation
import TensorCore
import Testing
import Training

@testable import Collab

/// A frame of `count` ratings: users 1…12 (as integers), items "m0"…"m6", ratings 1…5.
private func tinyRatings(_ count: Int = 40) throws -> DataFrame {
    try DataFrame([
        ("user", .int((0..<count).map { $0 * 7 % 12 + 1 })),
        ("item", .string((0..<count).map { "m\($0 * 5 % 7)" })),
        ("rating", .int((0..<count).map { $0 % 5 + 1 })),
        ("timestamp", .int((0..<count).map { 1000 + $0 })),
    ])
}

@Suite struct CollabDataLoadersTests {
    @Test func splitIsTheFirstCutOfASeededPermutation() throws {
        let frame = try tinyRatings()
        let dls = try CollabDataLoaders.fromDF(frame, validPct: 0.25, seed: 7, bs: 4)
        let permutation = Generator(seed: 7).permutation(40)
        #expect(dls.split.valid == Array(permutation[..<10]))
        #expect(dls.split.train == Array(permutation[10...]))
        #expect(dls.valid.dataset.count == 10)
        #expect(dls.train.count == 30 / 4)  // last partial batch dropped
        #expect(dls.valid.count == 3)
        #expect((dls.userName, dls.itemName, dls.ratingName) == ("user", "item", "rating"))
    }

    @Test func withoutASeedTheSplitDrawsFromRandomCurrent() throws {
        let frame = try tinyRatings()
        let first = try Random.withSeed(99) { try CollabDataLoaders.fromDF(frame) }
        let second = try Random.withSeed(99) { try CollabDataLoaders.fromDF(frame) }
        #expect(first.split == second.split)
        #expect(first.split.valid == Array(Generator(seed: 99).permutation(40)[..<8]))
        #expect(first.train.seed == second.train.seed)
    }

    @Test func vocabulariesComeFromTheTrainingRowsOnly() throws {
        // 30 single-rating users: some land only in the validation rows.
        let count = 30
        let frame = try DataFrame([
            ("u", .int((0..<count).map { $0 + 1 })),
            ("i", .string((0..<count).map { "item \($0 % 4)" })),
            ("r", .double((0..<count).map { Double($0 % 5) + 0.5 })),
        ])
        let dls = try CollabDataLoaders.fromDF(frame, validPct: 0.2, seed: 3)
        let trainUsers = dls.split.train.map { $0 + 1 }.sorted()
        #expect(try Array(dls.classes["u"]) == ["#na#"] + trainUsers.map(String.init))  // numeric order
        #expect(try dls.classes["u"].count == 25)
        #expect(try dls.classes["i"][0] == "#na#")
        #expect(dls.classes.names == ["u", "i"])
        let validBatch = try dls.valid.oneBatch()
        let x = validBatch.xs[0]
        #expect(x.shape == [6, 2])
        for (position, row) in dls.split.valid.enumerated() {
            #expect(x[element: [position, 0]] == 0)  // every validation user is unseen → #na#
            let item = "item \(row % 4)"
            #expect(try x[element: [position, 1]] == Float(dls.classes["i"].index(of: item) ?? 0))
            #expect(validBatch.ys[0][element: [position, 0]] == Float(row % 5) + 0.5)
        }
    }

    @Test func showBatchDecodesTrainingRows() throws {
        let frame = try tinyRatings()
        let dls = try CollabDataLoaders.fromDF(frame, seed: 11, bs: 8)
        let table = dls.showBatch(maxN: 5)
        #expect(table.columns == ["user", "item", "rating"])
        #expect(table.count == 5)
        let order = dls.train.order(epoch: dls.train.epochsStarted)
        for shown in 0..<5 {
            let source = frame[dls.split.train[order[shown]]]
            #expect(table[shown]["user"] == source["user"])
            #expect(table[shown]["item"] == source["item"])
            #expect(table["rating"].doubles[shown] == source.value("rating")?.double)
        }
        // The first training batch is exactly those rows.
        let batch = try dls.train.oneBatch()
        #expect(try dls.classes["item"][Int(batch.xs[0][element: [0, 1]])] == table[0]["item"])
    }

    @Test func splitExportsAsJSON() throws {
        let dls = try CollabDataLoaders.fromDF(try tinyRatings(), seed: 5)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try dls.exportSplit(to: path)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        let json = try #require(object as? [String: Any])
        #expect(json["n"] as? Int == 40)
        #expect(json["train"] as? [Int] == dls.split.train)
        #expect(json["valid"] as? [Int] == dls.split.valid)
    }

    @Test func namedColumnsAndMissingOnes() throws {
        let frame = try tinyRatings()
        let dls = try CollabDataLoaders.fromDF(
            frame, userName: "item", itemName: "user", ratingName: "timestamp", seed: 1)
        #expect(try dls.classes["item"].count == 8)  // 7 items + #na#
        #expect(throws: TrainingError.self) { try CollabDataLoaders.fromDF(frame, itemName: "title") }
    }
}
