import Foundation
import TensorCore

/// The indices of the training and validation items.
public struct Split: Sendable, Equatable {
    /// Indices of training items.
    public var train: [Int]
    /// Indices of validation items.
    public var valid: [Int]

    /// Creates a split.
    public init(train: [Int], valid: [Int]) {
        self.train = train
        self.valid = valid
    }
}

/// Splits items into training and validation sets (fastai's splitters).
public protocol Splitter: Sendable {
    /// The split of `items`.
    ///
    /// - Throws: ``TrainingError`` when the items are not of the kind the splitter reads.
    func split<Item>(_ items: [Item]) throws -> Split
}

/// Validation = the items at `validIdx` (as given); training = the others, in order (fastai `IndexSplitter`).
public struct IndexSplitter: Splitter {
    /// Indices of validation items.
    public let validIdx: [Int]

    /// Creates a splitter with these validation indices.
    public init(_ validIdx: [Int]) { self.validIdx = validIdx }

    /// The split of `items`.
    public func split<Item>(_ items: [Item]) throws -> Split {
        if let bad = validIdx.first(where: { $0 < 0 || $0 >= items.count }) {
            throw TrainingError("IndexSplitter: index \(bad) out of range for \(items.count) items")
        }
        let valid = Set(validIdx)
        return Split(train: items.indices.filter { !valid.contains($0) }, valid: validIdx)
    }
}

/// Validation = the items for which `f` is true (fastai `FuncSplitter`).
public struct FuncSplitter<Element>: Splitter {
    /// Whether an item belongs to the validation set.
    public let f: @Sendable (Element) throws -> Bool

    /// Creates a splitter from a predicate.
    public init(_ f: @escaping @Sendable (Element) throws -> Bool) { self.f = f }

    /// The split of `items`; they must be `Element`s.
    public func split<Item>(_ items: [Item]) throws -> Split {
        guard let typed = items as? [Element] else {
            throw TrainingError("FuncSplitter: items are \(Item.self), the function takes \(Element.self)")
        }
        var valid: [Int] = []
        for (index, item) in typed.enumerated() where try f(item) { valid.append(index) }
        return try IndexSplitter(valid).split(items)
    }
}

extension FuncSplitter where Element == DataFrame.Row {
    /// Creates a splitter from a predicate on rows: `FuncSplitter { $0["is_valid"] == "True" }`.
    public init(_ f: @escaping @Sendable (DataFrame.Row) throws -> Bool) { self.f = f }
}

extension FuncSplitter where Element == Path {
    /// Creates a splitter from a predicate on paths: `FuncSplitter { $0.parent.name == "13" }`.
    public init(_ f: @escaping @Sendable (Path) throws -> Bool) { self.f = f }
}

/// Validation = the rows whose column `col` is truthy, or equals `on` (fastai `ColSplitter`).
///
/// Items must be ``DataFrame/Row``s (a `DataBlock` over a `DataFrame`).
public struct ColSplitter: Splitter {
    /// The column read.
    public let col: String
    /// The values (as text) that mark validation rows; nil means "truthy".
    public let on: [String]?

    /// Creates a splitter on column `col` (default `is_valid`).
    public init(col: String = "is_valid", on: String? = nil) {
        self.col = col
        self.on = on.map { [$0] }
    }

    /// Creates a splitter marking rows whose `col` is one of `on`.
    public init(col: String = "is_valid", on: [String]) {
        self.col = col
        self.on = on
    }

    /// Creates a splitter on column `col`: `ColSplitter("is_valid")`.
    public init(_ col: String, on: String? = nil) {
        self.init(col: col, on: on)
    }

    /// The split of `items`, which must be rows of a frame with column `col`.
    public func split<Item>(_ items: [Item]) throws -> Split {
        guard let rows = items as? [DataFrame.Row] else {
            throw TrainingError("ColSplitter only works when the items are DataFrame rows, not \(Item.self)")
        }
        var valid: [Int] = []
        for (index, row) in rows.enumerated() {
            guard let value = row.value(col) else {
                throw TrainingError("ColSplitter: no column '\(col)'; the columns are \(row.frame.columns)")
            }
            let isValid = on.map { $0.contains(value.description) } ?? value.isTruthy
            if isValid { valid.append(index) }
        }
        return try IndexSplitter(valid).split(items)
    }
}

/// Validation = the last (or first) `validPct` of the items, unshuffled (fastai `EndSplitter`).
public struct EndSplitter: Splitter {
    /// The fraction of items for validation.
    public let validPct: Double
    /// Whether the validation items are the last ones.
    public let validLast: Bool

    /// Creates a splitter keeping `int(validPct·n)` items at the end (or start) for validation.
    public init(validPct: Double = 0.2, validLast: Bool = true) {
        self.validPct = validPct
        self.validLast = validLast
    }

    /// The split of `items`.
    public func split<Item>(_ items: [Item]) throws -> Split {
        let n = items.count
        let cut = Int(validPct * Double(n))
        return validLast
            ? Split(train: Array(0..<(n - cut)), valid: Array((n - cut)..<n))
            : Split(train: Array(cut..<n), valid: Array(0..<cut))
    }
}

/// Reads columns of a ``DataFrame/Row`` (fastai `ColReader`).
///
/// With one column and no prefix, suffix or delimiter it returns the typed cell; with a prefix or
/// suffix, the text `prefix + cell + suffix`; with `labelDelim`, the cell split into labels (empty
/// cell → no labels). With several columns it returns an array of those results.
public struct ColReader: Sendable {
    /// The columns read.
    public let cols: [String]
    /// Text put before the cell.
    public let prefix: String
    /// Text put after the cell.
    public let suffix: String
    /// The separator of several labels in one cell.
    public let labelDelim: String?

    /// Creates a reader of `cols`.
    public init(_ cols: String..., prefix: String = "", suffix: String = "", labelDelim: String? = nil) {
        self.cols = cols
        self.prefix = prefix
        self.suffix = suffix
        self.labelDelim = labelDelim
    }

    /// Creates a reader whose prefix is the folder `prefix` (fastai adds the path separator).
    public init(_ cols: String..., prefix: URL, suffix: String = "", labelDelim: String? = nil) {
        self.cols = cols
        self.prefix = prefix.path + "/"
        self.suffix = suffix
        self.labelDelim = labelDelim
    }

    /// The value(s) read from `row`.
    public func callAsFunction(_ row: DataFrame.Row) throws -> any Sendable {
        let values = try cols.map { try read(row, $0) }
        return values.count == 1 ? values[0] : values
    }

    private func read(_ row: DataFrame.Row, _ col: String) throws -> any Sendable {
        guard let value = row.value(col) else {
            throw TrainingError("ColReader: no column '\(col)'; the columns are \(row.frame.columns)")
        }
        if let labelDelim {
            let text = value.description
            return text.isEmpty ? [String]() : text.components(separatedBy: labelDelim)
        }
        if prefix.isEmpty && suffix.isEmpty { return value }
        return prefix + value.description + suffix
    }
}

/// Validation = the first `int(validPct·n)` items of a random permutation (fastai `RandomSplitter`).
///
/// The permutation comes from `Generator(seed:)` when a seed is given, else from `Random.current`
/// (fastai uses torch's generator, so the same seed gives a different, but fixed, split here).
public struct RandomSplitter: Splitter {
    /// The fraction of items for validation.
    public let validPct: Double
    /// The seed of the permutation.
    public let seed: UInt64?

    /// Creates a splitter.
    public init(validPct: Double = 0.2, seed: UInt64? = nil) {
        self.validPct = validPct
        self.seed = seed
    }

    /// The split of `items`: training = the rest of the permutation, in permutation order.
    public func split<Item>(_ items: [Item]) throws -> Split {
        let generator = seed.map { Generator(seed: $0) } ?? Random.current
        let permutation = generator.permutation(items.count)
        let cut = Int(validPct * Double(items.count))
        return Split(train: Array(permutation[cut...]), valid: Array(permutation[..<cut]))
    }
}
