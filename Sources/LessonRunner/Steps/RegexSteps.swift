/// Swift's `Regex` built from a pattern's text, as a cell writes fastbook's `re.findall(pat, name)`:
/// `name.matches(of: try Regex(pat)).map { $0[1].substring }`.
struct CellRegex: CellValue, @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    static var cellType: CellType { .named("Regex") }
    static func from(_ value: Value) throws -> CellRegex {
        guard case .object(let object) = value, let regex = object.payload as? CellRegex else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return regex
    }
    var cellValue: Value { .object(LibraryObject(type: Self.cellType, payload: self)) }
}

/// One match of a `Regex` (`Regex<AnyRegexOutput>.Match`).
struct CellRegexMatch: CellValue, @unchecked Sendable, CustomStringConvertible {
    let match: Regex<AnyRegexOutput>.Match
    static var cellType: CellType { .named("Regex.Match") }
    static func from(_ value: Value) throws -> CellRegexMatch {
        guard case .object(let object) = value, let match = object.payload as? CellRegexMatch else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return match
    }
    var cellValue: Value { .object(LibraryObject(type: Self.cellType, payload: self)) }
    var description: String { String(match.output[0].substring ?? "") }
}

/// One capture of a match (`AnyRegexOutput.Element`): group 0 is the whole match.
struct CellRegexCapture: CellValue, @unchecked Sendable, CustomStringConvertible {
    let capture: AnyRegexOutput.Element
    static var cellType: CellType { .named("AnyRegexOutput.Element") }
    static func from(_ value: Value) throws -> CellRegexCapture {
        guard case .object(let object) = value, let capture = object.payload as? CellRegexCapture else {
            throw ConversionError(expected: cellType, actual: value.cellType)
        }
        return capture
    }
    var cellValue: Value { .object(LibraryObject(type: Self.cellType, payload: self)) }
    var description: String { String(capture.substring ?? "") }
}

extension Registry {
    /// The selectors of Swift's `Regex` API the cells may call (standard library, exempt from the audit).
    static let regexSelectors: Set<String> = [
        "Regex(_:)", "String.matches(of:)", "String.firstMatch(of:)", "Regex.Match.subscript(_:)",
        "AnyRegexOutput.Element.substring",
    ]

    /// Binds Swift's `Regex` from a pattern's text: `try Regex(pattern)`, `text.matches(of:)`,
    /// `text.firstMatch(of:)`, a match's captures by number and each capture's `substring`.
    public mutating func bindRegex() {
        type("Regex", doc: "A regular expression (Swift's Regex<AnyRegexOutput>).")
        type("Regex.Match", doc: "One match of a Regex; match[1] is its first group.")
        type("AnyRegexOutput.Element", doc: "One capture of a match.")
        bind(
            "Regex(_ pattern: String)", doc: "A regular expression from its text (throws when it is not one)."
        ) {
            (pattern: String) -> CellRegex in
            do {
                return CellRegex(regex: try Regex(pattern))
            } catch {
                throw StepError("'\(pattern)' is not a regular expression: \(error)")
            }
        }
        bind(
            "String.matches(of regex: Regex)", doc: "Every match of regex in the text, in order (re.findall)."
        ) {
            (text: String, regex: CellRegex) in text.matches(of: regex.regex).map(CellRegexMatch.init)
        }
        bind("String.firstMatch(of regex: Regex)", doc: "The first match of regex in the text, or nil.") {
            (text: String, regex: CellRegex) in text.firstMatch(of: regex.regex).map(CellRegexMatch.init)
        }
        bind("Regex.Match.subscript(_ index: Int)", doc: "Capture index of the match (0: the whole match).") {
            (match: CellRegexMatch, index: Int) -> CellRegexCapture in
            guard (0..<match.match.output.count).contains(index) else {
                throw StepError(
                    "the match has no group \(index): it has \(match.match.output.count - 1) groups")
            }
            return CellRegexCapture(capture: match.match.output[index])
        }
        // A regex literal's match reads its groups as a tuple does (`match.1`), as Swift types
        // `#/(.+)_(\d+)/#`'s output `(Substring, Substring, Substring)`.
        for group in 0...9 {
            property(
                "Regex.Match.\(group): Substring", doc: "Group \(group) of a regex literal's match (0: all)."
            ) {
                (match: CellRegexMatch) -> Substring in
                guard group < match.match.output.count, let text = match.match.output[group].substring else {
                    throw StepError(
                        "the match has no group \(group): it has \(match.match.output.count - 1) groups")
                }
                return text
            }
        }
        property(
            "AnyRegexOutput.Element.substring: Substring?",
            doc: "The captured text, or nil when the group did not take part."
        ) { (capture: CellRegexCapture) in capture.capture.substring }
    }
}
