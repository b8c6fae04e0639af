import Foundation

/// A point on the learning-rate finder's curve: a learning rate and the smoothed loss there.
public struct LRPoint: Sendable, Equatable, Codable {
    /// The learning rate.
    public let lr: Double
    /// The smoothed loss.
    public let loss: Double
}

/// A rule that suggests a learning rate from `lrFind`'s trimmed curve (fastai's suggestion functions).
public struct SuggestionFunction: Sendable {
    /// fastai's function name (`valley`, `slide`, `minimum`, `steep`).
    public let name: String
    /// Computes the suggestion and the point to mark from trimmed `lrs` and `losses` (same count ≥ 2).
    public let compute: @Sendable (_ lrs: [Double], _ losses: [Double]) -> (lr: Double, point: LRPoint)

    /// Creates a suggestion rule.
    public init(
        name: String, compute: @escaping @Sendable ([Double], [Double]) -> (lr: Double, point: LRPoint)
    ) {
        self.name = name
        self.compute = compute
    }

    /// The longest valley (fastai's default): the lr a little past the start of the longest strictly
    /// decreasing run of losses.
    public static let valley = SuggestionFunction(name: "valley") { lrs, losses in
        let index = valleyIndex(losses)
        return (lrs[index], LRPoint(lr: lrs[index], loss: losses[index]))
    }

    /// Slides a 15-step window leftwards from the end until the loss gradient flattens (fastai `slide`).
    public static let slide = SuggestionFunction(name: "slide") { lrs, losses in
        slideSuggestion(lrs, losses)
    }

    /// One tenth of the lr with the lowest loss; the point marks the minimum itself (fastai `minimum`).
    public static let minimum = SuggestionFunction(name: "minimum") { lrs, losses in
        let index = argmin(losses)
        return (lrs[index] / 10, LRPoint(lr: lrs[index], loss: losses[index]))
    }

    /// The left end of the steepest descent of loss against `ln(lr)` (fastai `steep`).
    public static let steep = SuggestionFunction(name: "steep") { lrs, losses in
        var grads: [Double] = []
        for i in 0..<(losses.count - 1) {
            grads.append((losses[i + 1] - losses[i]) / (log(lrs[i + 1]) - log(lrs[i])))
        }
        let index = argmin(grads)
        return (lrs[index], LRPoint(lr: lrs[index], loss: losses[index]))
    }
}

/// The suggestions of `lrFind`, by rule name, with the curve they were computed from.
public struct SuggestedLRs: Sendable, CustomStringConvertible, Codable {
    /// One suggestion: the rule's name, the suggested lr and the point to mark on the plot.
    public struct Suggestion: Sendable, Equatable, Codable {
        /// The rule's name.
        public let name: String
        /// The suggested learning rate.
        public let lr: Double
        /// The point to mark on the plot.
        public let point: LRPoint
    }

    /// The suggestions, in the order of the rules asked for (empty when too few points were recorded).
    public let suggestions: [Suggestion]
    /// Every recorded learning rate (one per batch).
    public let lrs: [Double]
    /// Every recorded smoothed loss (one per batch).
    public let losses: [Double]

    /// Creates suggestions from a recorded curve (see ``suggestLRs(lrs:losses:numIt:funcs:)``).
    public init(suggestions: [Suggestion], lrs: [Double], losses: [Double]) {
        self.suggestions = suggestions
        self.lrs = lrs
        self.losses = losses
    }

    /// The suggestion of the rule called `name`, if it was asked for.
    public subscript(name: String) -> Double? { suggestions.first { $0.name == name }?.lr }
    /// The `valley` suggestion, if asked for.
    public var valley: Double? { self["valley"] }
    /// The `slide` suggestion, if asked for.
    public var slide: Double? { self["slide"] }
    /// The `minimum` suggestion (minimum/10), if asked for.
    public var minimum: Double? { self["minimum"] }
    /// The `steep` suggestion, if asked for.
    public var steep: Double? { self["steep"] }

    /// The suggested learning rates in the order of the rules asked for, when there are `count` of them
    /// (fastai's `SuggestedLRs` is a named tuple that Python destructures: `lr_min, lr_steep = …`).
    ///
    /// - Throws: ``TrainingError`` when the finder recorded too few points to suggest anything, or when
    ///   it was asked for a different number of rules.
    public func values(count: Int) throws -> [Double] {
        guard !suggestions.isEmpty else {
            throw TrainingError(
                "lrFind recorded too few points to suggest a learning rate (\(lrs.count) batches); "
                    + "give it more batches with numIt")
        }
        guard suggestions.count == count else {
            throw TrainingError(
                "lrFind made \(suggestions.count) suggestion\(suggestions.count == 1 ? "" : "s") "
                    + "(\(suggestions.map(\.name).joined(separator: ", "))) but its result is unpacked into \(count)"
            )
        }
        return suggestions.map(\.lr)
    }

    /// Throws unless `funcs` names `count` rules, so a destructured `lrFind` fails before it trains.
    ///
    /// - Throws: ``TrainingError`` naming the rules and the count.
    public static func checkCount(_ funcs: [SuggestionFunction], _ count: Int) throws {
        guard funcs.count == count else {
            throw TrainingError(
                "lrFind(suggestFuncs:) names \(funcs.count) rule\(funcs.count == 1 ? "" : "s") "
                    + "(\(funcs.map(\.name).joined(separator: ", "))) but its result is unpacked into \(count) names; "
                    + "name one rule per name")
        }
    }

    /// `SuggestedLRs(valley=0.000398)`, as fastai prints it.
    public var description: String {
        let parts = suggestions.map { "\($0.name)=\(formatGeneral($0.lr))" }
        return "SuggestedLRs(" + parts.joined(separator: ", ") + ")"
    }
}

/// Applies suggestion rules as fastai's `lr_find` does.
///
/// Keeps `lrs[numIt/10 ..< count−5]` and the same slice of `losses`, truncates both at the first NaN
/// loss, then applies each rule. With fewer than two points left, no suggestion is made.
public func suggestLRs(
    lrs: [Double], losses: [Double], numIt: Int, funcs: [SuggestionFunction] = [.valley]
) -> SuggestedLRs {
    let n = min(lrs.count, losses.count)
    let start = numIt / 10
    let end = n - 5
    var trimmedLRs: [Double] = start < end ? Array(lrs[start..<end]) : []
    var trimmedLosses: [Double] = start < end ? Array(losses[start..<end]) : []
    if let nan = trimmedLosses.firstIndex(where: { $0.isNaN }) {
        trimmedLRs = Array(trimmedLRs[..<nan])
        trimmedLosses = Array(trimmedLosses[..<nan])
    }
    var suggestions: [SuggestedLRs.Suggestion] = []
    if trimmedLosses.count >= 2 {
        for rule in funcs {
            let (lr, point) = rule.compute(trimmedLRs, trimmedLosses)
            suggestions.append(.init(name: rule.name, lr: lr, point: point))
        }
    }
    return SuggestedLRs(suggestions: suggestions, lrs: Array(lrs.prefix(n)), losses: Array(losses.prefix(n)))
}

/// The index fastai's `valley` picks, replicating its loop exactly (including when `max_start` is set).
func valleyIndex(_ losses: [Double]) -> Int {
    let n = losses.count
    var maxStart = 0
    var maxEnd = 0
    var lds = [Int](repeating: 1, count: n)
    for i in 1..<max(n, 1) {
        for j in 0..<i {
            if losses[i] < losses[j] && lds[i] < lds[j] + 1 { lds[i] = lds[j] + 1 }
            if lds[maxEnd] < lds[i] {
                maxEnd = i
                maxStart = maxEnd - lds[maxEnd]
            }
        }
    }
    let sections = Double(maxEnd - maxStart) / 3
    let index = maxStart + Int(sections) + Int(sections / 2)
    // A decreasing run from the very start makes maxStart −1; with two points the index is then −1,
    // which Python reads as the last element.
    return index < 0 ? index + n : index
}

/// `numpy.gradient` of `y` with unit spacing: central differences inside, one-sided at the ends.
public func numpyGradient(_ y: [Double]) -> [Double] {
    let n = y.count
    guard n >= 2 else { return [Double](repeating: 0, count: n) }
    var g = [Double](repeating: 0, count: n)
    g[0] = y[1] - y[0]
    g[n - 1] = y[n - 1] - y[n - 2]
    for i in 1..<(n - 1) where n > 2 { g[i] = (y[i + 1] - y[i - 1]) / 2 }
    return g
}

private func slideSuggestion(
    _ lrs: [Double], _ losses: [Double], lrDiff: Int = 15, thresh: Double = 0.005, adjustValue: Double = 1
) -> (lr: Double, point: LRPoint) {
    let n = losses.count
    let grad = numpyGradient(losses)
    // Python negative indices: -k means n - k.
    func at(_ values: [Double], _ pyIndex: Int) -> Double { values[pyIndex < 0 ? n + pyIndex : pyIndex] }
    var right = -1
    var left = right - lrDiff
    var candidate = at(lrs, max(left, -n))
    while left >= -n && abs(at(grad, right) - at(grad, left)) > thresh {
        candidate = at(lrs, left)
        right -= 1
        left -= 1
    }
    let suggestion = candidate * adjustValue
    return (suggestion, LRPoint(lr: suggestion, loss: interpolate(log10(suggestion), lrs.map(log10), losses)))
}

/// `numpy.interp` for increasing `xs`: linear interpolation, clamped to the end values.
private func interpolate(_ x: Double, _ xs: [Double], _ ys: [Double]) -> Double {
    guard let first = xs.first, let last = xs.last else { return .nan }
    if x <= first { return ys[0] }
    if x >= last { return ys[ys.count - 1] }
    var hi = 1
    while hi < xs.count - 1 && xs[hi] < x { hi += 1 }
    let lo = hi - 1
    let t = (x - xs[lo]) / (xs[hi] - xs[lo])
    return ys[lo] + t * (ys[hi] - ys[lo])
}

private func argmin(_ values: [Double]) -> Int {
    var best = 0
    for i in values.indices where values[i] < values[best] { best = i }
    return best
}

/// Formats like Python's `%g`-ish shortest form used in printed tables: 6 significant digits.
func formatGeneral(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e-4 && magnitude < 1e6 {
        let text = String(format: "%.6f", value)
        return trimZeros(text)
    }
    return String(format: "%.6e", value)
}

private func trimZeros(_ text: String) -> String {
    guard text.contains(".") else { return text }
    var result = Substring(text)
    while result.hasSuffix("0") { result = result.dropLast() }
    if result.hasSuffix(".") { result = result.dropLast() }
    return String(result)
}
