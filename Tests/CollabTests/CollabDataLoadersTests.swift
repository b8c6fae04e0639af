import Checksums
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

/// The JSON `exportSplit(to:)` writes for `dls`, read back.
private func exportedSplit(_ dls: CollabDataLoaders) throws -> [String: Any] {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("split-\(UUID()).json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try dls.exportSplit(to: path)
    let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    return try #require(object as? [String: Any])
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
        let json = try exportedSplit(dls)
        #expect(json["format"] as? String == "khru-collab-split/2")
        #expect(json["n"] as? Int == 40)
        #expect(json["columns"] as? [String] == ["user", "item", "rating"])
        #expect(json["train"] as? [Int] == dls.split.train)
        #expect(json["valid"] as? [Int] == dls.split.valid)
        #expect((json["rows"] as? [String])?.count == 40)
    }

    /// Row checksums against coreutils: `printf '196\tKolya (1996)\t3' | sha256sum | cut -c1-16`.
    @Test func rowChecksumsAreSHA256OfTheRowText() {
        #expect(
            CollabDataLoaders.rowText(user: "196", item: "Kolya (1996)", rating: 3) == "196\tKolya (1996)\t3")
        #expect(
            CollabDataLoaders.rowChecksum(user: "196", item: "Kolya (1996)", rating: 3) == "0021cc43d617d137")
        // UTF-8 of the title, a rating that is not whole written as the shortest decimal.
        #expect(
            CollabDataLoaders.rowChecksum(user: "7", item: "Misérables, Les (1995)", rating: 4.5)
                == "32b70cfb1b1ce85a")
        #expect(CollabDataLoaders.rowText(user: "1", item: "x", rating: -2) == "1\tx\t-2")
        #expect(CollabDataLoaders.rowText(user: "1", item: "x", rating: 0.1) == "1\tx\t0.1")
    }

    /// Every row and both sets are checksummed from the frame's values; changing one rating changes
    /// exactly that row's checksum and the checksum of the set holding it.
    @Test func exportedChecksumsFollowTheFrame() throws {
        let frame = try DataFrame([
            ("user", .int([196, 7, 22, 196])),
            (
                "title",
                .string(["Kolya (1996)", "Misérables, Les (1995)", "Heavyweights (1994)", "Kolya (1996)"])
            ),
            ("rating", .double([3, 4.5, 1, 2])),
        ])
        // `printf '<row text>\n' | sha256sum`, row by row.
        let singleRowSets = [
            "02352c5255c4421c41673c4df688307d985dc5ea3c3c52c6076ec5a3fa8dc4e5",
            "840e09b242944a72207077063aa92d594c2b18c5cbe660387e79fd50b77bc2d1",
            "385fef4ad7b110104114602c664117464fc8f0b011d1bef57b0ef3be5cad32bc",
            "3c1fa1c4a37360406ae7d9968ecfa62e25d92a94f82221cdd0f7dca598fa20f4",
        ]
        let dls = try CollabDataLoaders.fromDF(frame, itemName: "title", validPct: 0.25, seed: 3)
        let json = try exportedSplit(dls)
        let rows = try #require(json["rows"] as? [String])
        let texts = (0..<4).map { row in
            CollabDataLoaders.rowText(
                user: frame["user"].strings[row], item: frame["title"].strings[row],
                rating: frame["rating"].doubles[row])
        }
        #expect(rows == texts.map { String(SHA256.hex(of: Array($0.utf8)).prefix(16)) })
        #expect(rows[1] == "32b70cfb1b1ce85a")
        let valid = try #require(dls.split.valid.first)
        #expect(dls.split.valid.count == 1)
        #expect(json["validChecksum"] as? String == singleRowSets[valid])
        let trainText = dls.split.train.map { texts[$0] + "\n" }.joined()
        #expect(json["trainChecksum"] as? String == SHA256.hex(of: Array(trainText.utf8)))

        let changed = try DataFrame([
            ("user", .int([196, 7, 22, 196])),
            (
                "title",
                .string(["Kolya (1996)", "Misérables, Les (1995)", "Heavyweights (1994)", "Kolya (1996)"])
            ),
            ("rating", .double([3, 4.5, 1, 5])),
        ])
        let other = try exportedSplit(
            try CollabDataLoaders.fromDF(changed, itemName: "title", validPct: 0.25, seed: 3))
        let otherRows = try #require(other["rows"] as? [String])
        #expect(otherRows[0..<3] == rows[0..<3])
        #expect(otherRows[3] != rows[3])
        let setHolding3 = valid == 3 ? "validChecksum" : "trainChecksum"
        let otherSet = valid == 3 ? "trainChecksum" : "validChecksum"
        #expect(other[setHolding3] as? String != json[setHolding3] as? String)
        #expect(other[otherSet] as? String == json[otherSet] as? String)
    }

    @Test func namedColumnsAndMissingOnes() throws {
        let frame = try tinyRatings()
        let dls = try CollabDataLoaders.fromDF(
            frame, userName: "item", itemName: "user", ratingName: "timestamp", seed: 1)
        #expect(try dls.classes["item"].count == 8)  // 7 items + #na#
        #expect(throws: TrainingError.self) { try CollabDataLoaders.fromDF(frame, itemName: "title") }
    }
}
