/// A vocabulary: the sorted distinct labels and their indices (fastai `CategoryMap`).
///
/// Labels that all read as numbers sort numerically, others as text (Python's sort of `str`).
public struct CategoryMap: Sendable, Equatable, RandomAccessCollection, CustomStringConvertible {
    /// The labels, in index order.
    public let items: [String]
    private let positions: [String: Int]

    /// Builds the vocabulary of `values` (sorted unique; `#na#` first when `addNA`).
    public init(_ values: some Sequence<String>, sort: Bool = true, addNA: Bool = false) {
        var seen = Set<String>()
        var unique: [String] = []
        for value in values where seen.insert(value).inserted { unique.append(value) }
        if sort { unique = sortLabels(unique) }
        if addNA { unique.removeAll { $0 == "#na#" }; unique.insert("#na#", at: 0) }
        items = unique
        var lookup: [String: Int] = [:]
        for (index, item) in unique.enumerated() { lookup[item] = index }
        positions = lookup
    }

    /// The multi-label vocabulary: the sorted union of every item's labels.
    public init(multi labelLists: some Sequence<[String]>) {
        self.init(labelLists.joined())
    }

    /// The first index, 0.
    public var startIndex: Int { 0 }
    /// The number of labels.
    public var endIndex: Int { items.count }
    /// The label at `index`.
    public subscript(index: Int) -> String { items[index] }

    /// The index of `label`, or nil when it is not in the vocabulary.
    public func index(of label: String) -> Int? { positions[label] }

    /// Each label's index (fastai's `o2i`, "object to int").
    ///
    /// `vocab.o2i["dog"]` is `vocab.index(of: "dog")`; a label not in the vocabulary gives nil (fastai's defaultdict gives 0, the `#na#` slot).
    public var o2i: [String: Int] { positions }

    /// `['cat', 'dog']`, as fastai prints a vocab.
    public var description: String { "[" + items.map { "'\($0)'" }.joined(separator: ", ") + "]" }

    /// The message for a label this vocabulary lacks: its first 20 labels, as fastai prints a vocab,
    /// or, when it is empty, that the training set had no labels to learn it from.
    func missing(_ label: String) -> String {
        guard !items.isEmpty else {
            return "label '\(label)' is not in the vocab, which is empty: the training set has no items "
                + "to learn it from (check the splitter)"
        }
        let shown = items.prefix(20).map { "'\($0)'" }.joined(separator: ", ")
        return "label '\(label)' is not in the vocab [\(shown)\(items.count > 20 ? ", …" : "")] "
            + "(learned from the training set)"
    }

    /// Two vocabularies are equal when their labels are.
    public static func == (lhs: CategoryMap, rhs: CategoryMap) -> Bool { lhs.items == rhs.items }
}

/// Sorts labels numerically when they all read as numbers, else by Unicode scalars (Python's order).
func sortLabels(_ labels: [String]) -> [String] {
    let numbers = labels.compactMap { Double($0) }
    if numbers.count == labels.count {
        return labels.sorted { lhs, rhs in
            let (a, b) = (Double(lhs) ?? 0, Double(rhs) ?? 0)
            return a != b ? a < b : lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
        }
    }
    return labels.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
}
