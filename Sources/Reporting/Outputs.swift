import Foundation
import LessonSource

/// What a cell produced, in the order it produced it.
public enum CellOutput: Hashable, Sendable, Codable {
    /// Printed text (a step's log line, `print`).
    case text(String)
    /// The displayed value of the cell's last expression, as Jupyter shows it.
    case value(String)
    /// A table (`df.head()`, a batch, `most_confused`).
    case table(Table)
    /// A PNG picture; `alt` describes it for screen readers and the manifest.
    case image(PNGImage)
    /// An `#expect` check and whether it held.
    case check(Check)
    /// A located error: the cell failed here.
    case error(Diagnostic)
}

extension CellOutput {
    /// The output as a lesson in `language` shows it: a picture in that language
    /// (``PNGImage/localized(to:)``), anything else as it is.
    public func localized(to language: String) -> CellOutput {
        guard case .image(let image) = self else { return self }
        return .image(image.localized(to: language))
    }
}

/// The rows and columns of a data frame (its whole size, however many rows a table shows).
public struct TableShape: Hashable, Sendable, Codable {
    /// The number of rows.
    public var rows: Int
    /// The number of columns.
    public var columns: Int

    /// Creates a shape.
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }
}

/// A table of already formatted cells.
public struct Table: Hashable, Sendable, Codable {
    /// A kind tag for styling: `"epochs"` for a training table, `"frame"` for a data frame.
    public var kind: String
    /// The column headers.
    public var columns: [String]
    /// The rows; each has `columns.count` cells.
    public var rows: [[String]]
    /// A line under the table, if any.
    public var caption: String?
    /// The size of a data frame, which the report words under the table in its language
    /// (`5 rows × 3 columns`, `5 แถว × 3 คอลัมน์`).
    public var shape: TableShape?
    /// Columns whose values are telemetry (an epoch's wall time): shown in the report, left out of
    /// the manifest so it stays deterministic.
    public var telemetryColumns: Set<String>

    /// Creates a table.
    public init(
        kind: String = "table", columns: [String], rows: [[String]], caption: String? = nil,
        shape: TableShape? = nil, telemetryColumns: Set<String> = []
    ) {
        self.kind = kind
        self.columns = columns
        self.rows = rows
        self.caption = caption
        self.shape = shape
        self.telemetryColumns = telemetryColumns
    }

    /// The table without its telemetry columns: what the manifest records.
    public var withoutTelemetry: Table {
        let kept = columns.indices.filter { !telemetryColumns.contains(columns[$0]) }
        guard kept.count < columns.count else { return self }
        return Table(
            kind: kind, columns: kept.map { columns[$0] },
            rows: rows.map { row in kept.compactMap { $0 < row.count ? row[$0] : nil } }, caption: caption,
            shape: shape)
    }
}

/// PNG bytes with their display size.
///
/// Plots are drawn at 2× density; `width`/`height` are CSS pixels.
public struct PNGImage: Hashable, Sendable, Codable {
    /// The encoded PNG.
    public var bytes: [UInt8]
    /// The width to show, in CSS pixels.
    public var width: Int
    /// The height to show, in CSS pixels.
    public var height: Int
    /// A short description.
    public var alt: String
    /// The same picture with its texts in other languages, by language code.
    ///
    /// A chart drawn with the library's default labels has one per language (`th`). A report shows
    /// the one of its lesson's language (``localized(to:)``); the cache keeps them all, so one run
    /// serves every language.
    public var translations: [String: PNGImage]

    /// Creates an image.
    public init(
        bytes: [UInt8], width: Int, height: Int, alt: String, translations: [String: PNGImage] = [:]
    ) {
        self.bytes = bytes
        self.width = width
        self.height = height
        self.alt = alt
        self.translations = translations
    }

    /// The picture a lesson in `language` shows, without translations.
    public func localized(to language: String) -> PNGImage {
        var image = translations[language] ?? self
        image.translations = [:]
        return image
    }

    private enum CodingKeys: String, CodingKey {
        case bytes, width, height, alt, translations
    }

    /// Decodes an image whose bytes are base64 (as `Data` encodes).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bytes = Array(try container.decode(Data.self, forKey: .bytes))
        width = try container.decode(Int.self, forKey: .width)
        height = try container.decode(Int.self, forKey: .height)
        alt = try container.decode(String.self, forKey: .alt)
        translations = try container.decodeIfPresent([String: PNGImage].self, forKey: .translations) ?? [:]
    }

    /// Encodes the bytes as base64, not as an array of numbers.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Data(bytes), forKey: .bytes)
        try container.encode(width, forKey: .width)
        try container.encode(height, forKey: .height)
        try container.encode(alt, forKey: .alt)
        if !translations.isEmpty { try container.encode(translations, forKey: .translations) }
    }
}

/// One `#expect(…)` check.
public struct Check: Hashable, Sendable, Codable {
    /// The condition's source text.
    public var expression: String
    /// Whether it held.
    public var passed: Bool
    /// The values of its operands when it failed (`0.91 < 0.95`), if known.
    public var detail: String?
    /// Where the `#expect` is in the lesson.
    public var location: SourceLocation

    /// Creates a check.
    public init(expression: String, passed: Bool, detail: String? = nil, location: SourceLocation) {
        self.expression = expression
        self.passed = passed
        self.detail = detail
        self.location = location
    }
}

/// How a cell ended.
public enum CellStatus: Hashable, Sendable, Codable {
    /// It ran and every check held.
    case passed
    /// It threw, or a check failed (the outputs hold the error or failed checks).
    case failed
    /// A `.error` cell that failed as it must.
    case failedAsExpected
    /// A `.error` cell that ran without error: a doc-test failure.
    case unexpectedlyPassed
    /// Not run because an earlier cell it needs failed; the reason names that cell.
    case skipped(reason: String)
    /// Only shown (`.norun`, `include=`).
    case shown
    /// It reached a `todo()` of the student edition: neither passed nor failed, and the cells that need
    /// its names are skipped.
    case notDone
}

/// Wall time and memory of one cell: shown in the report, kept out of the manifest's determinism.
public struct Telemetry: Hashable, Sendable, Codable {
    /// Wall-clock seconds.
    public var seconds: Double
    /// Peak resident memory of the process after the cell, in bytes.
    public var peakBytes: Int
    /// Whether the outputs came from the cache rather than a run.
    public var cached: Bool
    /// `true` when what the cell shows comes from the clock (it measured, or read a name a measuring cell
    /// defined), so another run, on this machine or another, shows other values; `nil` otherwise.
    public var fromTheClock: Bool?

    /// Creates telemetry.
    public init(seconds: Double, peakBytes: Int, cached: Bool = false, fromTheClock: Bool? = nil) {
        self.seconds = seconds
        self.peakBytes = peakBytes
        self.cached = cached
        self.fromTheClock = fromTheClock
    }
}

/// The result of one cell.
public struct CellReport: Hashable, Sendable, Codable {
    /// The cell's id.
    public var cellID: String
    /// How it ended.
    public var status: CellStatus
    /// What it produced.
    public var outputs: [CellOutput]
    /// Time and memory (not part of the manifest's deterministic bytes).
    public var telemetry: Telemetry?
    /// For an `include=` cell: the source the runner read, shown in place of the fence's code.
    public var includedSource: IncludedSource?

    /// Creates a cell report.
    public init(
        cellID: String, status: CellStatus, outputs: [CellOutput] = [], telemetry: Telemetry? = nil,
        includedSource: IncludedSource? = nil
    ) {
        self.cellID = cellID
        self.status = status
        self.outputs = outputs
        self.telemetry = telemetry
        self.includedSource = includedSource
    }

    /// The report as a lesson in `language` shows it: each picture in that language
    /// (``PNGImage/localized(to:)``).
    public func localized(to language: String) -> CellReport {
        var report = self
        report.outputs = outputs.map { $0.localized(to: language) }
        return report
    }
}

/// The Khru source an `include=` cell shows: a whole file or one declaration of it.
public struct IncludedSource: Hashable, Sendable, Codable {
    /// The file, relative to the package root (`Sources/Collab/DotProductBias.swift`).
    public var path: String
    /// The declaration shown, when the cell names a `symbol`.
    public var symbol: String?
    /// The code shown.
    public var code: String
    /// The line of `path` where `code` starts (for line numbers).
    public var firstLine: Int

    /// Creates an included source.
    public init(path: String, symbol: String? = nil, code: String, firstLine: Int = 1) {
        self.path = path
        self.symbol = symbol
        self.code = code
        self.firstLine = firstLine
    }
}

/// A lesson with the result of each of its cells: what a report is made from.
public struct LessonReport: Hashable, Sendable {
    /// The parsed lesson.
    public var lesson: Lesson
    /// One report per cell of `lesson.cells`, keyed by cell id.
    public var cells: [String: CellReport]
    /// The language code (`en`, `th`).
    public var lang: String
    /// The slug (`05-collaborative-filtering`): the file name without `.md`.
    public var slug: String
    /// Khru's version.
    public var version: String

    /// Creates a lesson report.
    public init(lesson: Lesson, cells: [String: CellReport], lang: String, slug: String, version: String) {
        self.lesson = lesson
        self.cells = cells
        self.lang = lang
        self.slug = slug
        self.version = version
    }
}
