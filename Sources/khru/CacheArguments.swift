import ArgumentParser
import Foundation
import LessonRunner
import LessonSource
import Reporting

/// The cache options `khru run` and `khru test` share.
struct CacheArguments: ParsableArguments {
    @Flag(help: "Ignore the cache: run every cell (the results are still stored).")
    var force = false

    @Option(help: "The most the cache under <output>/.cache keeps, in MiB (least recently used go first).")
    var cacheLimit = RunCache.defaultSizeLimit >> 20

    /// Opens the cache under `output`, waiting (with a message) if another khru holds it.
    ///
    /// A folder that cannot be written is an I/O failure (exit 1), not a usage error.
    func open(under output: String) throws -> RunCache {
        try RunCache(outputDirectory: output, sizeLimit: cacheLimit << 20) { eprint($0) }
    }
}

/// The ids of the cells of `lesson` that run, or a usage error naming them when `id` is not one.
func checkCellID(_ id: String, in lesson: Lesson) throws {
    let ids = lesson.cells.filter(\.attributes.runs).map(\.id)
    guard ids.contains(id) else {
        // A usage error (exit 64), without ArgumentParser's usage lines: the message says it all.
        let suggestion = likelyMeant(id, among: ids).map { "did you mean '\($0)'? " } ?? ""
        eprint(
            "error: \(lesson.path) has no cell '\(id)'; \(suggestion)its cells are: \(ids.joined(separator: ", "))"
        )
        throw ExitCode(64)
    }
}

/// Prints a cell's outputs on the terminal: text and values as they are, tables as aligned columns,
/// pictures as the path of a PNG file written beside the report.
func printOutputs(of report: CellReport, pictureStem: String) throws {
    var pictures = 0
    for output in report.outputs {
        switch output {
        case .text(let text), .value(let text): print(text)
        case .table(let table): print(TerminalTable.render(table))
        case .image(let image):
            pictures += 1
            let path = "\(pictureStem)-\(pictures).png"
            try ReportWriter.writeAtomically(image.bytes, to: path)
            print("[picture: \(path)] \(image.alt)")
        case .check(let check):
            print("#expect(\(check.expression)) " + (check.passed ? "held" : "failed: \(check.detail ?? "")"))
        case .error(let diagnostic): print(diagnostic.description)
        }
    }
}

/// A table as monospaced columns.
enum TerminalTable {
    static func render(_ table: Table) -> String {
        let rows = [table.columns] + table.rows
        let widths = table.columns.indices.map { column in
            rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0
        }
        var lines = rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        if let caption = table.caption { lines.append(caption) }
        return lines.joined(separator: "\n")
    }
}
