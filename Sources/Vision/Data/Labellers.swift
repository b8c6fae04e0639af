import Foundation
import Training

/// The name of the folder holding `path` (fastai `parent_label`): `train/3/00001.png` → `"3"`.
public func parentLabel(_ path: Path) -> String { path.parent.name }

/// Splits image paths by the name of their grandparent folder (fastai `GrandparentSplitter`):
/// `train/<class>/x.png` is a training item, `valid/<class>/x.png` a validation item; others are in neither.
public struct GrandparentSplitter: Splitter {
    /// The grandparent folder of training items.
    public let trainName: String
    /// The grandparent folder of validation items.
    public let validName: String

    /// Creates a splitter (fastai's defaults `train` and `valid`).
    public init(trainName: String = "train", validName: String = "valid") {
        self.trainName = trainName
        self.validName = validName
    }

    /// The split of `items`, which must be ``Path``s.
    ///
    /// - Throws: ``TrainingError`` when the items are not paths.
    public func split<Item>(_ items: [Item]) throws -> Split {
        guard let paths = items as? [Path] else {
            throw TrainingError("GrandparentSplitter needs paths as items, not \(Item.self)")
        }
        let names = paths.map { $0.parent.parent.name }
        return Split(
            train: names.indices.filter { names[$0] == trainName },
            valid: names.indices.filter { names[$0] == validName })
    }
}

/// Labels by a regular expression's first group (fastai's `RegexLabeller`): `RegexLabeller(#"(.+)_\d+.jpg$"#)`
/// gives `great_pyrenees` for `…/great_pyrenees_173.jpg`.
///
/// Like fastai, it searches anywhere in the text (`re.search`), or only from its start with
/// `match: true` (`re.match`); a path is labelled by its full string, as fastai's `str(o)`.
public struct RegexLabeller: Sendable, CustomStringConvertible {
    /// The pattern.
    public let pattern: String
    /// Whether the pattern must match from the text's start.
    public let match: Bool
    private let compiled: CompiledRegex

    /// A labeller by `pattern`, which needs one capture group.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` for a pattern that does not compile or has no group.
    public init(_ pattern: String, match: Bool = false) throws {
        do {
            compiled = CompiledRegex(try Regex(pattern))
        } catch {
            throw VisionError.invalidInput(
                "RegexLabeller: '\(pattern)' is not a regular expression: \(error)")
        }
        guard pattern.contains("(") else {
            throw VisionError.invalidInput(
                "RegexLabeller: '\(pattern)' has no group; put the label's part in parentheses: (.+)_\\d+.jpg$"
            )
        }
        self.pattern = pattern
        self.match = match
    }

    /// A labeller by a regex literal's first group: `RegexLabeller(#/(.+)_\d+.jpg$/#)`.
    public init<Output>(_ regex: Regex<Output>, match: Bool = false) {
        compiled = CompiledRegex(Regex<AnyRegexOutput>(regex))
        pattern = "a regex literal"
        self.match = match
    }

    /// The first group of the pattern's first match in `text`.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the pattern does not match (fastai's "Failed in").
    public func callAsFunction(_ text: String) throws -> String {
        let regex = compiled.regex
        let found = match ? try regex.prefixMatch(in: text) : try regex.firstMatch(in: text)
        guard let found, found.output.count > 1, let group = found.output[1].substring else {
            throw VisionError.invalidInput("RegexLabeller: '\(pattern)' does not match \"\(text)\"")
        }
        return String(group)
    }

    /// The label of a path's full string.
    public func callAsFunction(_ path: Path) throws -> String { try self(path.string) }

    /// `RegexLabeller(pattern)`.
    public var description: String { "RegexLabeller(\(pattern))" }
}

/// A compiled pattern, shared by a labeller's copies; matching only reads it.
private final class CompiledRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// Applies `labeller` to an attribute of each item (fastai's `using_attr`): `usingAttr(RegexLabeller(pat),
/// \.name)` labels a path by its file name.
public func usingAttr(
    _ labeller: RegexLabeller, _ attribute: @escaping @Sendable (Path) -> String
) -> @Sendable (Path) throws -> String {
    { path in try labeller(attribute(path)) }
}
