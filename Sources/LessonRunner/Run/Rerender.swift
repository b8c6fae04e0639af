import Foundation
import LessonSource
import Reporting

extension LessonExecutor {
    /// The report of `lesson` built from `previous`, the report of the same lesson before an edit that
    /// changed its prose only; `nil` when the edit changed a cell.
    ///
    /// An edit is prose only when the lesson's cells are the same cells in the same order (ids, code,
    /// and the attributes that decide how a cell runs or what it shows) under the same seed and
    /// language. Then nothing runs: every cell keeps its result, with the positions in its errors and
    /// checks moved to where the cell is now, and its time marked as from an earlier run (cached);
    /// `include=` cells read their source again. A cell that failed stays failed: edit it (or rerun
    /// the lesson) to run it again.
    ///
    /// - Parameters:
    ///   - previous: The report of the last run of the lesson.
    ///   - lesson: The lesson as it is now.
    ///   - packageRoot: The folder `include=` paths are relative to; `nil` finds the `Package.swift`
    ///     above the lesson.
    /// - Returns: The new report, or `nil` when a cell has to run.
    public static func rerender(
        _ previous: LessonReport, as lesson: Lesson, packageRoot: String? = nil
    ) -> LessonReport? {
        let before = previous.lesson
        guard before.path == lesson.path, before.frontMatter.seed == lesson.frontMatter.seed,
            language(of: lesson) == previous.lang, slug(of: lesson) == previous.slug,
            before.cells.count == lesson.cells.count,
            zip(before.cells, lesson.cells).allSatisfy({ runsAlike($0, $1) })
        else { return nil }
        let root = packageRoot ?? PackageRoot.find(from: (lesson.path as NSString).deletingLastPathComponent)
        var cells: [String: CellReport] = [:]
        for (old, new) in zip(before.cells, lesson.cells) {
            if let include = new.attributes.include {
                cells[new.id] = includeReport(new, path: include, packageRoot: root)
                continue
            }
            guard let result = previous.cells[old.id] else { continue }
            var moved = LocationRebase.absolute(
                LocationRebase.relative(result, cell: old, lesson: before.path), cell: new,
                lesson: lesson.path)
            moved.telemetry?.cached = true
            cells[new.id] = moved
        }
        return LessonReport(
            lesson: lesson, cells: cells, lang: previous.lang, slug: previous.slug,
            version: KhruVersion.current)
    }

    /// Whether two cells run, and show, the same way wherever they are in the file.
    private static func runsAlike(_ a: Cell, _ b: Cell) -> Bool {
        a.id == b.id && a.code == b.code && a.attributes.differences(from: b.attributes).isEmpty
            && a.attributes.hasExplicitID == b.attributes.hasExplicitID
    }
}
