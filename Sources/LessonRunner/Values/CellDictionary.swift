/// A dictionary a cell holds (`["a": 1]`, `[String: Int]`): its entries in the order they were added,
/// and an index by key.
///
/// Keys are strings, integers, numbers or booleans, as hashable values of Swift's standard library.
/// The report shows a dictionary with its keys sorted, as `["a": 1, "b": 2]`: Swift's own order is its
/// hash order, which changes from run to run, and a report must not.
public struct CellDictionary {
    /// What a key is hashed by.
    enum Key: Hashable {
        case string(String)
        case int(Int)
        case double(Double)
        case bool(Bool)

        init?(_ value: Value) {
            switch value {
            case .string(let text): self = .string(text)
            case .int(let number): self = .int(number)
            case .double(let number): self = .double(number)
            case .float(let number): self = .double(Double(number))
            case .bool(let flag): self = .bool(flag)
            default: return nil
            }
        }
    }

    /// The entries in insertion order.
    public private(set) var entries: [(key: Value, value: Value)] = []
    private var index: [Key: Int] = [:]

    /// An empty dictionary.
    public init() {}

    /// The dictionary of `pairs`; a later duplicate key replaces an earlier one's value.
    ///
    /// - Throws: ``StepError`` for a key that is not a string, number or boolean.
    public init(_ pairs: [(key: Value, value: Value)]) throws {
        for (key, value) in pairs { try set(key, value) }
    }

    /// `dictionary` with its entries in key order.
    init(sorting dictionary: CellDictionary) {
        for (key, value) in dictionary.sortedEntries { try? set(key, value) }
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// The value for `key`, or `nil`.
    public func value(for key: Value) -> Value? {
        Key(key).flatMap { index[$0] }.map { entries[$0].value }
    }

    /// Sets `key` to `value`; `nil` removes the entry.
    ///
    /// - Throws: ``StepError`` for a key that is not a string, number or boolean.
    public mutating func set(_ key: Value, _ value: Value?) throws {
        guard let hashed = Key(key) else {
            throw StepError("a dictionary's keys are strings, numbers or booleans, not \(key.cellType)")
        }
        if let value {
            if let position = index[hashed] {
                entries[position].value = value
            } else {
                index[hashed] = entries.count
                entries.append((key, value))
            }
        } else if let position = index.removeValue(forKey: hashed) {
            entries.remove(at: position)
            for (key, at) in index where at > position { index[key] = at - 1 }
        }
    }

    /// The entries ordered by key (numbers by value, strings as Swift orders them), for display.
    var sortedEntries: [(key: Value, value: Value)] {
        entries.sorted { a, b in
            switch (a.key, b.key) {
            case (.string(let x), .string(let y)): return x < y
            default:
                if let x = a.key.doubleValue, let y = b.key.doubleValue { return x < y }
                return a.key.displayText < b.key.displayText
            }
        }
    }

    /// Whether both hold the same keys with equal values, whatever their order; `nil` when a value
    /// does not compare.
    func isEqual(to other: CellDictionary) -> Bool? {
        guard count == other.count else { return false }
        for (key, value) in entries {
            guard let theirs = other.value(for: key) else { return false }
            guard let equal = value.isEqual(to: theirs) else { return nil }
            if !equal { return false }
        }
        return true
    }
}
