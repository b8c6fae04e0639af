/// A lesson: a Markdown file parsed into prose, headings and Swift cells, every node located.
public struct Lesson: Hashable, Sendable, Codable {
    /// The file as the user named it.
    public var path: String
    /// The front matter (`title`, `seed`, `lang`, and any other `key: value` line).
    public var frontMatter: FrontMatter
    /// The blocks in document order.
    public var blocks: [Block]

    /// Creates a lesson.
    public init(path: String, frontMatter: FrontMatter, blocks: [Block]) {
        self.path = path
        self.frontMatter = frontMatter
        self.blocks = blocks
    }

    /// The cells in document order (runnable, `.norun`, and `include=` cells alike).
    public var cells: [Cell] {
        blocks.compactMap { block in
            if case .cell(let cell) = block { return cell }
            return nil
        }
    }
}

/// The optional `---` block at the top of a lesson.
public struct FrontMatter: Hashable, Sendable, Codable {
    /// The lesson's title; the first heading stands in when absent.
    public var title: String?
    /// The lesson seed (default 42); with each cell id it seeds every random stream.
    public var seed: UInt64
    /// The language code of the prose (`en`, `th`); the folder name stands in when absent.
    public var lang: String?
    /// `raw-html: true`: the prose keeps its raw HTML (`<details>`, `<video>`, scripts) in the report;
    /// by default it is dropped with a warning.
    public var rawHTML = false
    /// `timeout: SECONDS`: the time limit of every cell without its own `timeout=`; `nil` leaves the
    /// run's default (`khru run --timeout`).
    public var timeout: Double?
    /// `params:` and one indented `name: default` line each: the lesson's parameters, in order
    /// (see ``LessonParameter``).
    public var params: [LessonParameter] = []
    /// Every other `key: value` line, kept verbatim.
    public var extra: [String: String]

    /// Creates front matter.
    public init(title: String? = nil, seed: UInt64 = 42, lang: String? = nil, extra: [String: String] = [:]) {
        self.title = title
        self.seed = seed
        self.lang = lang
        self.extra = extra
    }
}

/// One top-level block of a lesson.
public enum Block: Hashable, Sendable, Codable {
    /// A heading (`#`…`######`).
    case heading(Heading)
    /// Prose: any other Markdown block, already rendered to safe HTML by cmark.
    case prose(Prose)
    /// A tagged Swift cell (` ```swift {…} `).
    case cell(Cell)
    /// A fenced code block that is shown and never run (plain ` ```swift ` or another language).
    case listing(Listing)
    /// A hint to the exercise above it: a quote whose first line is `[!HINT]`.
    case hint(Hint)
}

/// A hint (`> [!HINT]` right after an exercise cell, or after another of its hints): shown folded, one
/// revealed at a time.
public struct Hint: Hashable, Sendable, Codable {
    /// The id of the exercise cell it helps with.
    public var exercise: String
    /// Its number among the exercise's hints, from 1.
    public var number: Int
    /// The hint's text (after `[!HINT]`), rendered to safe HTML by cmark.
    public var html: String
    /// Where the quote starts.
    public var location: SourceLocation

    /// Creates a hint.
    public init(exercise: String, number: Int, html: String, location: SourceLocation) {
        self.exercise = exercise
        self.number = number
        self.html = html
        self.location = location
    }
}

/// A heading.
public struct Heading: Hashable, Sendable, Codable {
    /// 1…6.
    public var level: Int
    /// The heading's plain text.
    public var text: String
    /// A stable anchor for the table of contents.
    public var anchor: String
    /// Where the heading starts.
    public var location: SourceLocation

    /// Creates a heading.
    public init(level: Int, text: String, anchor: String, location: SourceLocation) {
        self.level = level
        self.text = text
        self.anchor = anchor
        self.location = location
    }
}

/// A prose block rendered by cmark's HTML renderer (raw HTML dropped unless the lesson opts in).
public struct Prose: Hashable, Sendable, Codable {
    /// The rendered HTML.
    public var html: String
    /// Where the block starts.
    public var location: SourceLocation

    /// Creates a prose block.
    public init(html: String, location: SourceLocation) {
        self.html = html
        self.location = location
    }
}

/// A fenced code block that is only shown.
public struct Listing: Hashable, Sendable, Codable {
    /// The fence's info string, whole (`swift`, `python`, empty).
    public var info: String
    /// The code.
    public var code: String
    /// Where the fence starts.
    public var location: SourceLocation

    /// Creates a listing.
    public init(info: String, code: String, location: SourceLocation) {
        self.info = info
        self.code = code
        self.location = location
    }
}

/// A tagged Swift cell.
public struct Cell: Hashable, Sendable, Codable {
    /// The cell id: the `#id` attribute, or `cell-N` (N counts cells from 1).
    public var id: String
    /// The code between the fences (without the final newline).
    public var code: String
    /// The attributes in braces.
    public var attributes: CellAttributes
    /// Where the opening fence starts.
    public var location: SourceLocation
    /// Where the first line of code starts: line 1, column 1 of `code` maps here.
    public var codeLocation: SourceLocation

    /// Creates a cell.
    public init(
        id: String, code: String, attributes: CellAttributes, location: SourceLocation,
        codeLocation: SourceLocation
    ) {
        self.id = id
        self.code = code
        self.attributes = attributes
        self.location = location
        self.codeLocation = codeLocation
    }

    /// Maps a 1-based (line, column) inside `code` to the lesson file.
    public func location(ofLine line: Int, column: Int) -> SourceLocation {
        codeLocation.offset(lines: line - 1, column: line == 1 ? codeLocation.column + column - 1 : column)
    }
}

/// The attributes of a cell, from `{#id .hidden .norun .error timeout=30 include="…" symbol="…"}`.
public struct CellAttributes: Hashable, Sendable, Codable {
    /// Whether the id was written (`#id`) rather than defaulted.
    public var hasExplicitID: Bool
    /// `.hidden`: run, don't show the code.
    public var hidden: Bool
    /// `.norun`: show, don't run.
    public var norun: Bool
    /// `.error`: the cell must fail; `khru test` checks it does.
    public var expectsError: Bool
    /// `timeout=SECONDS`.
    public var timeout: Double?
    /// `include="Sources/…"`: show a real source file of Khru.
    public var include: String?
    /// `symbol="Name"`: with `include`, only that declaration.
    public var symbol: String?
    /// `.exercise`: the cell holds the teacher's solution; the student edition keeps only what lies
    /// outside `// BEGIN SOLUTION` … `// END SOLUTION` (all of it is the solution without markers).
    public var exercise = false
    /// `.hidden-check`: checks that grade an exercise and that the student edition leaves out.
    public var hiddenCheck = false
    /// `for=ID`: the exercise a cell's checks grade (default: the nearest exercise above).
    public var grades: String?
    /// `points=N`: what the cell's checks are worth together (default: 1 per `#expect`).
    public var points: Double?

    /// Creates attributes; every flag defaults to off.
    public init(
        hasExplicitID: Bool = false, hidden: Bool = false, norun: Bool = false, expectsError: Bool = false,
        timeout: Double? = nil, include: String? = nil, symbol: String? = nil
    ) {
        self.hasExplicitID = hasExplicitID
        self.hidden = hidden
        self.norun = norun
        self.expectsError = expectsError
        self.timeout = timeout
        self.include = include
        self.symbol = symbol
    }

    /// Whether the runner executes the cell (`.norun` and `include=` cells are only shown).
    public var runs: Bool { !norun && include == nil }
}
