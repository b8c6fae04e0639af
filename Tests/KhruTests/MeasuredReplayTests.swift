import Foundation
import Testing

/// A value measured by the clock is restored on replay, never measured again: lesson 02's table of
/// seconds and what later cells read agree after a `--cell` rerun replays the training cell.
@Suite struct MeasuredReplayTests {
    /// The repository (data and pretrained bodies are found from it as the current folder).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test(.timeLimit(.minutes(10))) func lessonTwoReplaysItsMeasuredSecondsFromTheCache() throws {
        let lesson = try String(
            contentsOf: Self.repository.appendingPathComponent("lessons/en/02-deeper-architectures.md"),
            encoding: .utf8)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-measured-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("lessons/en")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("02-measured.md")
        // A last cell shows the seconds at full precision: measured again, they would differ.
        try Data(
            (lesson + "\n```swift {#seconds-shown}\nsecondsPerEpoch\n```\n").utf8
        ).write(to: file)
        let output = root.appendingPathComponent("out").path
        let arguments = ["run", file.path, "--output", output]
        let environment = ["OPENBLAS_NUM_THREADS": "2"]

        let first = try KhruProcess.run(arguments, in: Self.repository, environment: environment)
        #expect(first.status == 0, "\(first.output)\(first.error)")
        let fresh = try Manifest(root.appendingPathComponent("out/en/02-measured.json"))

        let again = try KhruProcess.run(
            arguments + ["--cell", "seconds-shown"], in: Self.repository, environment: environment)
        #expect(again.status == 0, "\(again.output)\(again.error)")
        let replayed = try Manifest(root.appendingPathComponent("out/en/02-measured.json"))

        let seconds = try #require(fresh.value(of: "seconds-shown"))
        #expect(replayed.value(of: "seconds-shown") == seconds)
        // The table (from the cache) shows the same seconds, rounded to a tenth.
        let shown = try #require(Self.numbers(seconds))
        #expect(shown.count == 3)
        let column = try #require(replayed.column("seconds per epoch (this machine)", of: "train"))
        #expect(column == shown.map { String(($0 * 10).rounded() / 10) })
        #expect(fresh.checksPassed(in: "train-check") == [true, true, true, true])
        #expect(replayed.checksPassed(in: "train-check") == [true, true, true, true])
    }

    /// `[0.91, 1.9, 2.6]` → its numbers.
    static func numbers(_ text: String) -> [Double]? {
        let inner = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
        let parts = inner.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        return parts.contains(nil) ? nil : parts.compactMap(\.self)
    }
}

/// The parts of a lesson's JSON manifest these tests read.
private struct Manifest {
    let cells: [[String: Any]]

    init(_ url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        cells = object?["cells"] as? [[String: Any]] ?? []
    }

    func outputs(of id: String) -> [[String: Any]] {
        cells.first { $0["id"] as? String == id }?["outputs"] as? [[String: Any]] ?? []
    }

    /// The text of the cell's displayed value.
    func value(of id: String) -> String? {
        outputs(of: id).lazy.compactMap { $0["value"] as? String }.first
    }

    /// A column of the cell's data-frame table.
    func column(_ name: String, of id: String) -> [String]? {
        guard let table = outputs(of: id).first(where: { $0["tableKind"] as? String == "frame" }),
            let columns = table["columns"] as? [String], let index = columns.firstIndex(of: name),
            let rows = table["rows"] as? [[String]]
        else { return nil }
        return rows.map { $0[index] }
    }

    /// Whether each check of the cell held.
    func checksPassed(in id: String) -> [Bool] {
        outputs(of: id).filter { $0["kind"] as? String == "check" }.compactMap { $0["passed"] as? Bool }
    }
}
