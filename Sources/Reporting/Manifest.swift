import Checksums
import Foundation
import LessonSource

/// A lesson's manifest, `output/<lang>/<slug>.json`: every cell's status and displayed outputs, without
/// telemetry, so the same lesson on the same machine gives the same bytes.
///
/// Pictures are recorded by their SHA-256 and size, tables without their telemetry columns.
public struct Manifest: Hashable, Sendable, Codable {
    /// The lesson file as the user named it.
    public var lesson: String
    /// The lesson's title.
    public var title: String
    /// The language code.
    public var lang: String
    /// The slug.
    public var slug: String
    /// The lesson seed.
    public var seed: UInt64
    /// The values of the lesson's parameters this run used (`params:`, `-p`); absent when it has none.
    public var params: [String: String]?
    /// Khru's version.
    public var version: String
    /// The cell counts.
    public var summary: Summary
    /// One entry per cell, in lesson order.
    public var cells: [Cell]

    /// How many cells ended each way.
    public struct Summary: Hashable, Sendable, Codable {
        /// Cells that passed.
        public var passed: Int
        /// Cells that failed.
        public var failed: Int
        /// Cells that were skipped.
        public var skipped: Int
        /// Cells only shown.
        public var shown: Int
        /// Cells of a student edition that reached a `todo()`; absent when none did.
        public var notDone: Int?
    }

    /// One cell's entry.
    public struct Cell: Hashable, Sendable, Codable {
        /// The cell id.
        public var id: String
        /// `passed`, `failed`, `failedAsExpected`, `unexpectedlyPassed`, `skipped`, `shown` or `notRun`.
        public var status: String
        /// Why a skipped cell was skipped.
        public var reason: String?
        /// The source an `include=` cell shows.
        public var include: Include?
        /// What the cell displayed.
        public var outputs: [Output]
    }

    /// The file (and declaration) an `include=` cell shows.
    public struct Include: Hashable, Sendable, Codable {
        /// The file, relative to the package root.
        public var path: String
        /// The declaration, if any.
        public var symbol: String?

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(symbol, forKey: .symbol)
        }
    }

    /// One displayed output; `kind` tells which fields are present.
    public struct Output: Hashable, Sendable, Codable {
        /// `text`, `value`, `table`, `image`, `check` or `error`.
        public var kind: String
        /// A text output's text.
        public var text: String?
        /// A value output's text.
        public var value: String?
        /// A table's kind tag (`frame`, `epochs`).
        public var tableKind: String?
        /// A table's columns (telemetry columns left out).
        public var columns: [String]?
        /// A table's rows.
        public var rows: [[String]]?
        /// A table's caption.
        public var caption: String?
        /// A picture's SHA-256, in hex.
        public var sha256: String?
        /// A picture's size in bytes.
        public var bytes: Int?
        /// A picture's width in CSS pixels.
        public var width: Int?
        /// A picture's height in CSS pixels.
        public var height: Int?
        /// A picture's description.
        public var alt: String?
        /// A check's condition.
        public var expression: String?
        /// Whether a check held.
        public var passed: Bool?
        /// A failed check's operand values.
        public var detail: String?
        /// Where a check or error is.
        public var location: String?
        /// An error's message.
        public var message: String?
        /// An error's notes.
        public var notes: [Note]?

        init(kind: String) { self.kind = kind }

        /// Encodes the fields of `kind`, with `null` for absent optional ones (caption, detail).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            switch kind {
            case "table":
                try container.encode(tableKind, forKey: .tableKind)
                try container.encode(columns, forKey: .columns)
                try container.encode(rows, forKey: .rows)
                try container.encode(caption, forKey: .caption)
            case "check":
                try container.encode(expression, forKey: .expression)
                try container.encode(passed, forKey: .passed)
                try container.encode(detail, forKey: .detail)
                try container.encode(location, forKey: .location)
            default:
                for (key, value) in [
                    (CodingKeys.text, text), (.value, value), (.sha256, sha256), (.alt, alt),
                    (.message, message), (.location, location),
                ] {
                    try container.encodeIfPresent(value, forKey: key)
                }
                for (key, value) in [(CodingKeys.bytes, bytes), (.width, width), (.height, height)] {
                    try container.encodeIfPresent(value, forKey: key)
                }
                try container.encodeIfPresent(notes, forKey: .notes)
            }
        }
    }

    /// A note of an error.
    public struct Note: Hashable, Sendable, Codable {
        /// The note's message.
        public var message: String
        /// Where it points.
        public var location: String
    }

    /// The manifest of `report`.
    public init(_ report: LessonReport) {
        let counts = StatusCounts(report)
        lesson = report.lesson.path
        title = report.title
        lang = report.lang
        slug = report.slug
        seed = report.lesson.frontMatter.seed
        let parameters = report.lesson.frontMatter.params
        params =
            parameters.isEmpty
            ? nil : Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value.description) })
        version = report.version
        summary = Summary(
            passed: counts.passed, failed: counts.failed, skipped: counts.skipped, shown: counts.shown,
            notDone: counts.notDone == 0 ? nil : counts.notDone)
        cells = report.lesson.cells.map { cell in
            let result = report.cells[cell.id]
            var entry = Cell(id: cell.id, status: "notRun", outputs: (result?.outputs ?? []).map(Output.init))
            switch result?.status {
            case .passed?: entry.status = "passed"
            case .failed?: entry.status = "failed"
            case .failedAsExpected?: entry.status = "failedAsExpected"
            case .unexpectedlyPassed?: entry.status = "unexpectedlyPassed"
            case .skipped(let reason)?:
                entry.status = "skipped"
                entry.reason = reason
            case .shown?: entry.status = "shown"
            case .notDone?: entry.status = "notDone"
            case nil: break
            }
            entry.include = result?.includedSource.map { Include(path: $0.path, symbol: $0.symbol) }
            return entry
        }
    }

    /// The manifest as pretty-printed JSON with sorted keys and a final newline.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        let data = (try? encoder.encode(self)) ?? Data()
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// Reads a manifest written by ``encoded()``.
    ///
    /// - Throws: `DecodingError` when `bytes` is not a manifest.
    public static func decode(_ bytes: Data) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: bytes)
    }
}

extension Manifest.Output {
    /// The manifest form of `output`.
    init(_ output: CellOutput) {
        switch output {
        case .text(let text):
            self.init(kind: "text")
            self.text = text
        case .value(let value):
            self.init(kind: "value")
            self.value = value
        case .table(let shown):
            let table = shown.withoutTelemetry
            self.init(kind: "table")
            tableKind = table.kind
            columns = table.columns
            rows = table.rows
            caption = table.caption
        case .image(let image):
            self.init(kind: "image")
            sha256 = SHA256.hex(of: image.bytes)
            bytes = image.bytes.count
            width = image.width
            height = image.height
            alt = image.alt
        case .check(let check):
            self.init(kind: "check")
            expression = check.expression
            passed = check.passed
            detail = check.detail
            location = check.location.description
        case .error(let diagnostic):
            self.init(kind: "error")
            message = diagnostic.message
            location = diagnostic.location.description
            notes = diagnostic.notes.map {
                Manifest.Note(message: $0.message, location: $0.location.description)
            }
        }
    }
}
