import Foundation
import LessonSource
import Reporting
import Testing

@testable import LessonRunner

/// A cached `lrFind` is replayed from the cache like a fit: the learner is put back as the call left it
/// and its curve is returned as stored, without running a single batch again.
@Suite struct LRFindReplayTests {
    /// A lesson whose model is declared in a cell, so every forward pass reaches the cell's own code.
    static func text(folder: String, find: String) -> String {
        """
        # lrFind from the cache

        ```swift {#data}
        let ratings = DataFrame.readCSV(Path("\(folder)/ratings.csv"), names: ["user", "movie", "rating"])
        let dls = CollabDataLoaders.fromDF(ratings, bs: 16)
        ```

        ```swift {#model}
        final class Dot: Module {
            let users: Embedding
            let movies: Embedding
            init(_ nUsers: Int, _ nMovies: Int) {
                users = Embedding(nUsers, 4)
                movies = Embedding(nMovies, 4)
            }
            func callAsFunction(_ x: Variable) -> Variable {
                let product = users(x[..., 0]) * movies(x[..., 1])
                return product.sum(axis: 1, keepDims: true)
            }
        }
        ```

        ```swift {#find}
        let learn = Learner(dls, Dot(dls.classes["user"].count, dls.classes["movie"].count), lossFunc: MSELossFlat())
        \(find)
        ```

        ```swift {#after}
        found
        ```
        """
    }

    @Test(arguments: [
        "let found = learn.lrFind(numIt: 30).valley!",
        "let (found, steep) = learn.lrFind(numIt: 30, suggestFuncs: [.minimum, .steep])",
    ])
    func aCachedLRFindIsNotRunAgainWhenALaterCellReruns(find: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-lrfind-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let csv = (0..<300).map { "\($0 % 20),\(($0 * 7) % 30),\(1 + ($0 * 13) % 5)" }.joined(separator: "\n")
        try Data(csv.utf8).write(to: folder.appendingPathComponent("ratings.csv"))
        let path = folder.appendingPathComponent("01-find.md").path
        let (lesson, diagnostics) = LessonParser.parse(Self.text(folder: folder.path, find: find), path: path)
        #expect(diagnostics.isEmpty)
        let forwardLines = Set(17...18)  // the body of callAsFunction

        func run(cell: String?) throws -> (LessonReport, Set<Int>) {
            let store = try RunCache(outputDirectory: folder.appendingPathComponent("out").path)
            var executor = LessonExecutor(registry: .standard())
            executor.cache = CacheOptions(store: store, cell: cell)
            let reached = Reached()
            executor.reached = { reached.lines.insert($0.line) }
            return (executor.run(lesson).report, reached.lines)
        }
        let (fresh, freshLines) = try run(cell: nil)
        #expect(
            fresh.cells.values.allSatisfy { $0.status == .passed }, "\(fresh.cells.values.map(\.outputs))")
        #expect(!freshLines.isDisjoint(with: forwardLines), "the first run trains through the cell's model")

        let (again, againLines) = try run(cell: "after")
        #expect(again.cells["find"]?.telemetry?.cached == true)
        #expect(again.cells["after"]?.outputs == fresh.cells["after"]?.outputs)
        #expect(
            againLines.isDisjoint(with: forwardLines),
            "replaying lrFind ran the model: \(againLines.sorted())")
    }

    private final class Reached {
        var lines: Set<Int> = []
    }
}
