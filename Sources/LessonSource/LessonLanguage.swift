import Localization

/// The language a lesson is written in: the tag the lesson gives (`th`, `th-TH`, `en-GB`) and the
/// language Khru writes its own words in for it (English or Thai).
///
/// The one notion of language: the executor, the report's words and the charts all read
/// ``words``; the report's `lang` attribute keeps the full ``tag``.
public struct LessonLanguage: Hashable, Sendable, CustomStringConvertible {
    /// The languages Khru has words for (reports, charts): Khru's one notion of language.
    public typealias Words = Language

    /// The BCP 47 tag as written (`th-TH`).
    public let tag: String
    /// The language of Khru's own words (`th` for `th-TH`).
    public let words: Words

    /// The language of `tag`, a BCP 47 tag whose primary language Khru has words for (`en`, `th`,
    /// with any region or script: `th-TH`, `en-GB`); `nil` for anything else.
    public init?(tag: String) {
        let subtags = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = subtags.first, let words = Words(rawValue: primary.lowercased()),
            subtags.dropFirst().allSatisfy({
                (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            })
        else { return nil }
        self.tag = tag
        self.words = words
    }

    /// English (`en`), the default.
    public static let english = LessonLanguage(words: .en)

    private init(words: Words) {
        tag = words.rawValue
        self.words = words
    }

    /// The tag.
    public var description: String { tag }

    /// What `lang:` may say, for messages.
    static let accepted = "en or th (a region such as th-TH or en-GB is fine)"
}

extension Lesson {
    /// The lesson's language: front matter `lang`, else its folder's name when that is a language
    /// (`lessons/th/…`), else English.
    public var language: LessonLanguage {
        if let lang = frontMatter.lang, let language = LessonLanguage(tag: lang) { return language }
        let folder = path.split(separator: "/").dropLast().last.map(String.init) ?? ""
        return LessonLanguage(tag: folder) ?? .english
    }
}
