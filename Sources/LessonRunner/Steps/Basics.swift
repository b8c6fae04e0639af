import Foundation

extension Registry {
    /// Bindings with no declaration in the library's sources (``BindingAudit`` skips them): Swift's
    /// standard library, and conveniences of the cell language (numbers where the library takes
    /// `Float`s, wrappers that emit a step's outputs into the report).
    public static let cellLanguageConveniences: Set<String> = Set([
        "print(_:)", "Double(_:)", "Float(_:)", "Int(_:)", "String(_:)", "min(_:_:)", "max(_:_:)", "abs(_:)",
        "exp(_:)", "log(_:)", "sqrt(_:)", "String.split(separator:)", "String.hasPrefix(_:)",
        "String.hasSuffix(_:)", "String.dropLast(_:)", "String.dropFirst(_:)", "PartialRangeUpTo(_:)",
        "PartialRangeFrom(_:)", "CategoryMap.firstIndex(of:)", "Dictionary.subscript(_:)", "Double.rounded()",
        "String(format:_:)", "DataFrame.subscriptSet(_:_:)",
    ]).union(Self.regexSelectors)

    /// The registry every lesson runs with: the basics plus the library's bindings.
    ///
    /// Library bindings are added here, one `bind…` call per API, in files under `Steps/`.
    public static func standard() -> Registry {
        var registry = Registry()
        registry.bindBasics()
        registry.bindTensors()
        registry.bindPlots()
        registry.bindTraining()
        registry.bindData()
        registry.bindPandas()
        registry.bindRegex()
        registry.bindCollab()
        registry.bindDataBlock()
        registry.bindVision()
        registry.bindPredictionTools()
        registry.bindFastbookSpellings()
        registry.bindCrashForTestingIfAsked()
        return registry
    }

    /// Binds Swift's basics a cell needs: `print`, number and string conversions, `min`/`max`/`abs`,
    /// array `count`, string splitting and range bounds.
    public mutating func bindBasics() {
        type("Int", doc: "A whole number.")
        type("Double", doc: "A 64-bit floating-point number; float literals such as 3e-3 are Doubles.")
        type("Float", doc: "A 32-bit floating-point number, the element type of tensors.")
        type("String", doc: "Text.")
        type("Bool", doc: "true or false.")
        type("Array", doc: "An ordered collection: [a, b, c].")
        type("ClosedRange", doc: "A range a...b; a learning-rate range lo...hi is fastai's slice(lo, hi).")

        bind("print(_ items: Any...)", doc: "Prints values under the cell, separated by spaces.") {
            (context: StepContext, items: [Value]) in
            context.print(items.map(\.plainText).joined(separator: " "))
        }
        bind("Double(_ value: Double)", doc: "Converts a number to Double.") { (value: Double) in value }
        bind("Double(_ text: String)", doc: "Parses a Double from text; nil when it is not a number.") {
            (text: String) -> Double? in Double(text)
        }
        bind("Float(_ value: Float)", doc: "Converts a number to Float.") { (value: Float) in value }
        bind("Int(_ value: Double)", doc: "Converts a number to Int, rounding toward zero.") {
            (value: Double) in
            guard value.isFinite, abs(value) < 9.2e18 else {
                throw StepError("\(value) cannot be converted to Int")
            }
            return Int(value)
        }
        bind("Int(_ text: String)", doc: "Parses an Int from text; nil when it is not a whole number.") {
            (text: String) -> Int? in Int(text)
        }
        bind("String(_ value: Any)", doc: "The value as text, as print shows it.") { (value: Value) in
            value.plainText
        }
        bind("min(_ a: Double, _ b: Double)", doc: "The smaller of two numbers.") { (a: Double, b: Double) in
            Swift.min(a, b)
        }
        bind("min(_ a: Int, _ b: Int)", doc: "The smaller of two integers.") { (a: Int, b: Int) in
            Swift.min(a, b)
        }
        bind("max(_ a: Double, _ b: Double)", doc: "The larger of two numbers.") { (a: Double, b: Double) in
            Swift.max(a, b)
        }
        bind("max(_ a: Int, _ b: Int)", doc: "The larger of two integers.") { (a: Int, b: Int) in
            Swift.max(a, b)
        }
        bind("abs(_ x: Int)", doc: "The magnitude of an integer.") { (x: Int) in
            guard x != .min else { throw StepError("abs(\(x)) overflows Int") }
            return Swift.abs(x)
        }
        bind("abs(_ x: Double)", doc: "The magnitude of a number.") { (x: Double) in Swift.abs(x) }
        bind("Double.rounded()", doc: "The nearest whole number, halves away from zero (2.5 → 3).") {
            (x: Double) in x.rounded()
        }
        property("String.count: Int", doc: "The number of characters.") { (text: String) in text.count }
        bind("String.split(separator: String)", doc: "The pieces between separators (empty pieces dropped).")
        {
            (text: String, separator: String) -> [String] in
            guard !separator.isEmpty else { throw StepError("split(separator:) needs a non-empty separator") }
            return text.components(separatedBy: separator).filter { !$0.isEmpty }
        }
        bind("String.dropLast(_ k: Int = 1)", doc: "The text without its last k characters.") {
            (text: String, k: Int) in
            guard k >= 0 else { throw StepError("dropLast needs k >= 0") }
            return String(text.dropLast(k))
        }
        bind("String.dropFirst(_ k: Int = 1)", doc: "The text without its first k characters.") {
            (text: String, k: Int) in
            guard k >= 0 else { throw StepError("dropFirst needs k >= 0") }
            return String(text.dropFirst(k))
        }
        bind("String.hasPrefix(_ prefix: String)", doc: "Whether the text starts with prefix.") {
            (text: String, prefix: String) in text.hasPrefix(prefix)
        }
        bind("String.hasSuffix(_ suffix: String)", doc: "Whether the text ends with suffix.") {
            (text: String, suffix: String) in text.hasSuffix(suffix)
        }
        property("ClosedRange.lowerBound: Double", doc: "The range's lower bound.") {
            (range: ClosedRange<Double>) in range.lowerBound
        }
        property("ClosedRange.upperBound: Double", doc: "The range's upper bound.") {
            (range: ClosedRange<Double>) in range.upperBound
        }
        bindFormatting()
    }
}
