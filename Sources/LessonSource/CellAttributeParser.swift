/// The attribute grammar of a fence info string: `swift {#id .hidden .norun .error timeout=30 include="…" symbol="…"}`.
///
/// Works on the raw bytes of the fence line so every diagnostic points at the exact column.
struct CellInfo {
    /// The attributes read (invalid ones left out).
    var attributes = CellAttributes()
    /// The `#id`, if written and valid.
    var id: String?
    /// Where the `#id` attribute starts.
    var idLocation: SourceLocation?
    /// Problems found.
    var diagnostics: [Diagnostic] = []
}

enum CellAttributeParser {
    /// The outcome of reading a fence's info string.
    enum Outcome {
        /// A tagged Swift cell.
        case cell(CellInfo)
        /// A listing (plain `swift`, another language, no info), with any warnings.
        case listing([Diagnostic])
    }

    /// The spellings the parser knows, for "did you mean" suggestions.
    private static var flags: [String] { CellAttributes.table.filter { $0.form == .flag }.map(\.name) }
    private static var keys: [String] { CellAttributes.table.filter { $0.form != .flag }.map(\.name) }

    /// Reads the info string of the fence that starts at `fenceColumn` on `line`.
    ///
    /// - Parameters:
    ///   - line: The raw bytes of the fence line.
    ///   - fenceColumn: The 1-based column of the first fence character.
    ///   - location: The location of the fence line, column ignored.
    /// - Returns: A cell with its attributes and problems, or a listing.
    static func parse(line: [UInt8], fenceColumn: Int, location: SourceLocation) -> Outcome {
        var scanner = Scanner(bytes: line, index: fenceColumn - 1, location: location)
        let fence = scanner.peek
        while scanner.peek == fence, fence != nil { scanner.advance() }
        scanner.skipSpaces()
        let language = scanner.read { $0 != .space && $0 != .tab && $0 != .leftBrace }
        guard language == "swift" else { return .listing([]) }
        scanner.skipSpaces()
        guard !scanner.atEnd else { return .listing([]) }
        var info = CellInfo()
        if scanner.peek != .leftBrace {
            let strayColumn = scanner.column
            guard scanner.bytes[scanner.index...].contains(.leftBrace) else {
                if scanner.peek == .hash || scanner.peek == .dot {
                    let warning = Diagnostic(
                        .warning, "cell attributes must be in braces, as in '```swift {#id}'; shown, not run",
                        at: scanner.location(strayColumn))
                    return .listing([warning])
                }
                return .listing([])
            }
            let stray = scanner.read { $0 != .leftBrace }.trimmingTrailingSpaces
            info.diagnostics.append(
                Diagnostic(
                    .error, "unexpected text '\(stray)' before '{' in cell attributes",
                    at: scanner.location(strayColumn)))
        }
        parseBraces(&scanner, into: &info)
        if info.attributes.symbol != nil, info.attributes.include == nil, let symbol = scanner.symbolLocation
        {
            info.diagnostics.append(
                Diagnostic(.error, "'symbol' needs 'include' to name the file it comes from", at: symbol))
        }
        return .cell(info)
    }

    private static func parseBraces(_ scanner: inout Scanner, into info: inout CellInfo) {
        let openColumn = scanner.column
        scanner.advance()  // {
        var seen: [String: SourceLocation] = [:]
        while true {
            scanner.skipSpaces()
            guard let byte = scanner.peek else {
                info.diagnostics.append(
                    Diagnostic(
                        .error, "unclosed '{' in cell attributes; add '}'", at: scanner.location(openColumn)))
                return
            }
            if byte == .rightBrace {
                scanner.advance()
                scanner.skipSpaces()
                if !scanner.atEnd {
                    let column = scanner.column
                    let stray = scanner.read { _ in true }.trimmingTrailingSpaces
                    info.diagnostics.append(
                        Diagnostic(
                            .error, "unexpected text '\(stray)' after '}' in cell attributes",
                            at: scanner.location(column)))
                }
                return
            }
            let start = scanner.location(scanner.column)
            switch byte {
            case .hash:
                scanner.advance()
                let id = scanner.readName()
                readID(id, at: start, seen: &seen, into: &info)
            case .dot:
                scanner.advance()
                let name = scanner.readName()
                readFlag(name, at: start, seen: &seen, into: &info)
            case _ where Scanner.isNameByte(byte):
                let name = scanner.readName()
                if scanner.peek == .equals {
                    scanner.advance()
                    let valueLocation = scanner.location(scanner.column)
                    guard let value = scanner.readValue() else {
                        info.diagnostics.append(
                            Diagnostic(.error, "unclosed quote in the value of '\(name)'", at: valueLocation))
                        return
                    }
                    readKey(name, value: value, at: start, valueAt: valueLocation, seen: &seen, into: &info)
                    if name == "symbol" { scanner.symbolLocation = start }
                } else {
                    info.diagnostics.append(unknown(name, at: start))
                }
            default:
                let character = String(decoding: scanner.readCharacter(), as: UTF8.self)
                let hint = character == "," ? "; separate attributes with spaces" : ""
                info.diagnostics.append(
                    Diagnostic(.error, "unexpected '\(character)' in cell attributes\(hint)", at: start))
            }
        }
    }

    private static func readID(
        _ id: String, at location: SourceLocation, seen: inout [String: SourceLocation],
        into info: inout CellInfo
    ) {
        guard !id.isEmpty else {
            info.diagnostics.append(Diagnostic(.error, "missing cell id after '#'", at: location))
            return
        }
        guard id.utf8.allSatisfy({ Scanner.isIDByte($0) }) else {
            info.diagnostics.append(
                Diagnostic(
                    .error, "cell id '\(id)' may only contain ASCII letters, digits, '-' and '_'",
                    at: location))
            return
        }
        if let first = seen["#"] {
            info.diagnostics.append(
                Diagnostic(
                    .error, "a cell has one id; '#\(id)' is the second", at: location,
                    notes: [Diagnostic(.note, "first id here", at: first)]))
            return
        }
        seen["#"] = location
        info.id = id
        info.idLocation = location
        info.attributes.hasExplicitID = true
    }

    private static func readFlag(
        _ name: String, at location: SourceLocation, seen: inout [String: SourceLocation],
        into info: inout CellInfo
    ) {
        guard let spec = CellAttributes.spec(named: name, flag: true) else {
            info.diagnostics.append(unknown("." + name, at: location))
            return
        }
        if seen["." + name] != nil {
            info.diagnostics.append(Diagnostic(.warning, "'.\(name)' is given twice", at: location))
        }
        seen["." + name] = location
        _ = spec.read(&info.attributes, "")
    }

    // swift-format-ignore: FunctionParameterCount
    private static func readKey(
        _ name: String, value: String, at location: SourceLocation, valueAt valueLocation: SourceLocation,
        seen: inout [String: SourceLocation], into info: inout CellInfo
    ) {
        guard let spec = CellAttributes.spec(named: name, flag: false) else {
            if name == "id" {
                info.diagnostics.append(
                    Diagnostic(.error, "unknown cell attribute 'id'; did you mean '#\(value)'?", at: location)
                )
            } else {
                info.diagnostics.append(unknown(name, at: location))
            }
            return
        }
        if let first = seen[name] {
            info.diagnostics.append(
                Diagnostic(
                    .error, "'\(name)' is given twice", at: location,
                    notes: [Diagnostic(.note, "first given here", at: first)]))
            return
        }
        seen[name] = location
        guard !value.isEmpty else {
            info.diagnostics.append(Diagnostic(.error, "missing value for '\(name)'", at: valueLocation))
            return
        }
        if let problem = spec.read(&info.attributes, value) {
            info.diagnostics.append(Diagnostic(.error, problem, at: valueLocation))
        }
    }

    /// An "unknown attribute" error with the nearest known spelling, if one is near.
    private static func unknown(_ spelling: String, at location: SourceLocation) -> Diagnostic {
        let candidates = flags.map { "." + $0 } + keys
        var message = "unknown cell attribute '\(spelling)'"
        if let suggestion = nearest(to: spelling, in: candidates) {
            message += "; did you mean '\(suggestion)'?"
        } else {
            message +=
                "; known: #id, " + flags.map { "." + $0 }.joined(separator: ", ") + ", "
                + keys.map { $0 + "=" }.joined(separator: ", ")
        }
        return Diagnostic(.error, message, at: location)
    }
}

/// The candidate nearest to `word` by edit distance, if it is near enough to be a likely typo.
func nearest(to word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { (candidate: $0, distance: editDistance(word, $0)) }
    guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
    return best.distance <= max(2, best.candidate.count / 3) ? best.candidate : nil
}

/// The Levenshtein distance between two strings, counted in characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// A cursor over the bytes of one line that knows its column.
private struct Scanner {
    let bytes: [UInt8]
    var index: Int
    let location: SourceLocation
    var symbolLocation: SourceLocation?

    init(bytes: [UInt8], index: Int, location: SourceLocation) {
        self.bytes = bytes
        self.index = min(index, bytes.count)
        self.location = location
    }

    var atEnd: Bool { index >= bytes.count }
    var peek: UInt8? { atEnd ? nil : bytes[index] }
    var column: Int { index + 1 }

    func location(_ column: Int) -> SourceLocation {
        SourceLocation(file: location.file, line: location.line, column: column)
    }

    mutating func advance() { index += 1 }

    mutating func skipSpaces() {
        while let byte = peek, byte == .space || byte == .tab { advance() }
    }

    mutating func read(while predicate: (UInt8) -> Bool) -> String {
        let start = index
        while let byte = peek, predicate(byte) { advance() }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Reads one whole UTF-8 character.
    mutating func readCharacter() -> ArraySlice<UInt8> {
        let start = index
        advance()
        while let byte = peek, byte & 0xC0 == 0x80 { advance() }
        return bytes[start..<index]
    }

    mutating func readName() -> String {
        read { Scanner.isNameByte($0) }
    }

    /// Reads `"quoted"`, `'quoted'` or an unquoted run; nil when a quote is never closed.
    mutating func readValue() -> String? {
        guard let quote = peek, quote == .doubleQuote || quote == .singleQuote else {
            return read { $0 != .space && $0 != .tab && $0 != .rightBrace && $0 != .doubleQuote }
        }
        advance()
        var value: [UInt8] = []
        while let byte = peek {
            advance()
            if byte == quote { return String(decoding: value, as: UTF8.self) }
            if byte == .backslash, let next = peek, next == quote || next == .backslash {
                value.append(next)
                advance()
            } else {
                value.append(byte)
            }
        }
        return nil
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case .space, .tab, .rightBrace, .leftBrace, .equals, .doubleQuote, .singleQuote, .comma, .hash, .dot:
            return false
        default: return true
        }
    }

    static func isIDByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == .hyphen || byte == .underscore
    }
}

extension UInt8 {
    fileprivate static let space: UInt8 = 0x20
    fileprivate static let tab: UInt8 = 0x09
    fileprivate static let leftBrace: UInt8 = 0x7B
    fileprivate static let rightBrace: UInt8 = 0x7D
    fileprivate static let hash: UInt8 = 0x23
    fileprivate static let dot: UInt8 = 0x2E
    fileprivate static let equals: UInt8 = 0x3D
    fileprivate static let doubleQuote: UInt8 = 0x22
    fileprivate static let singleQuote: UInt8 = 0x27
    fileprivate static let backslash: UInt8 = 0x5C
    fileprivate static let comma: UInt8 = 0x2C
    fileprivate static let hyphen: UInt8 = 0x2D
    fileprivate static let underscore: UInt8 = 0x5F
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var result = self
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
