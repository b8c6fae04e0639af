/// A language Khru writes its own words in: the report's chrome, chart terms, messages on pictures.
///
/// To add a language: a case here, and its words in every ``Phrase`` (the compiler lists each one that
/// still needs them).
public enum Language: String, CaseIterable, Sendable, Hashable, Codable {
    /// English.
    case en
    /// Thai.
    case th
}

/// Words Khru writes, in every ``Language``: the one localisation mechanism of reports and charts.
///
/// Khru's tables of words (``Phrase``s of the report, of chart terms) list every phrase, so a test can
/// look for Khru's English in a Thai page.
public struct Phrase: Sendable, Hashable, Codable {
    /// The English words.
    public let en: String
    /// The Thai words: English technical terms where Thai practitioners keep them (loss, batch,
    /// learning rate), Thai for the rest.
    public let th: String

    /// A phrase in English and Thai.
    public init(_ en: String, th: String) {
        self.en = en
        self.th = th
    }

    /// The words in `language`.
    public func text(in language: Language) -> String {
        switch language {
        case .en: en
        case .th: th
        }
    }
}
