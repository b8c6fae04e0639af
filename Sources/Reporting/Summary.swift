import LessonSource

/// How many cells of a lesson ended each way.
public struct StatusCounts: Hashable, Sendable {
    /// Cells that ran and held (including `.error` cells that failed as they must).
    public var passed: Int
    /// Cells that failed (including `.error` cells that passed).
    public var failed: Int
    /// Cells not run because an earlier cell failed, or with no result.
    public var skipped: Int
    /// Cells only shown (`.norun`, `include=`).
    public var shown: Int
    /// Cells that reached a `todo()` of a student edition (neither passed nor failed).
    public var notDone = 0

    /// Creates counts.
    public init(passed: Int = 0, failed: Int = 0, skipped: Int = 0, shown: Int = 0) {
        self.passed = passed
        self.failed = failed
        self.skipped = skipped
        self.shown = shown
    }

    /// Counts the cells of `report`; a cell without a result counts as skipped (or shown if it never runs).
    public init(_ report: LessonReport) {
        self.init()
        for cell in report.lesson.cells {
            switch report.cells[cell.id]?.status {
            case .passed, .failedAsExpected: passed += 1
            case .failed, .unexpectedlyPassed: failed += 1
            case .skipped: skipped += 1
            case .shown: shown += 1
            case .notDone: notDone += 1
            case nil: if cell.attributes.runs { skipped += 1 } else { shown += 1 }
            }
        }
    }
}

/// One lesson in `output/index.html`.
public struct IndexEntry: Hashable, Sendable {
    /// The language code.
    public var lang: String
    /// The slug; entries with the same slug are the same lesson in other languages.
    public var slug: String
    /// The title, as plain text or inline Markdown.
    public var title: String
    /// The lesson file as the user named it.
    public var lessonPath: String
    /// The cell counts.
    public var counts: StatusCounts
    /// Where the entry links, relative to the index, when not to its report (a student edition links
    /// to its lesson files).
    public var link: String?

    /// Creates an entry.
    public init(lang: String, slug: String, title: String, lessonPath: String, counts: StatusCounts) {
        self.lang = lang
        self.slug = slug
        self.title = title
        self.lessonPath = lessonPath
        self.counts = counts
    }

    /// The entry for a rendered report.
    public init(_ report: LessonReport) {
        self.init(
            lang: report.lang, slug: report.slug, title: report.title, lessonPath: report.lesson.path,
            counts: StatusCounts(report))
    }

    /// The report's path relative to `output/`.
    public var href: String { link ?? "\(lang)/\(slug).html" }
}

extension LessonReport {
    /// The title: the front matter's, else the first heading's text, else the slug.
    public var title: String {
        if let title = lesson.frontMatter.title { return title }
        for block in lesson.blocks {
            if case .heading(let heading) = block { return heading.text }
        }
        return slug
    }
}
