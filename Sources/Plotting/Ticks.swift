import Foundation

/// How an axis maps data to position.
public enum AxisScale: Sendable, Hashable {
    /// Equal distances for equal differences.
    case linear
    /// Equal distances for equal ratios (base 10); values must be positive.
    case log
}

/// Tick positions with their labels.
public struct Ticks: Sendable, Hashable {
    /// Labelled tick values, ascending.
    public var values: [Double]
    /// One label per value.
    public var labels: [String]
    /// Unlabelled minor tick values (log axes: 2…9 × 10ᵏ).
    public var minor: [Double] = []

    /// Ticks from values and labels.
    public init(values: [Double], labels: [String], minor: [Double] = []) {
        self.values = values
        self.labels = labels
        self.minor = minor
    }

    /// "Nice" linear ticks: steps of 1, 2 or 5 × 10ᵏ giving about `count` ticks inside `lower...upper`.
    ///
    /// Labels share one format: fixed decimals just fine enough for the step, or compact scientific
    /// notation (`2e-4`, `1.5e6`) for very small steps or very large values.
    public static func linear(_ lower: Double, _ upper: Double, count: Int) -> Ticks {
        guard lower.isFinite, upper.isFinite else { return Ticks(values: [], labels: []) }
        var lo = min(lower, upper)
        var hi = max(lower, upper)
        if hi - lo <= 0 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let step = niceStep((hi - lo) / Double(max(count, 1)))
        let first = (lo / step - 1e-9).rounded(.up)
        let last = (hi / step + 1e-9).rounded(.down)
        var values: [Double] = []
        if last >= first {
            for k in stride(from: first, through: last, by: 1) { values.append(clean(k * step, step: step)) }
        }
        return Ticks(values: values, labels: formatLinear(values, step: step))
    }

    /// The nice step (1, 2 or 5 × 10ᵏ) nearest above `raw`.
    public static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        let nice: Double
        if residual <= 1.0 + 1e-9 {
            nice = 1
        } else if residual <= 2 + 1e-9 {
            nice = 2
        } else if residual <= 5 + 1e-9 {
            nice = 5
        } else {
            nice = 10
        }
        return nice * magnitude
    }

    /// Log ticks for `lower...upper` (both positive): every `stride`-th power of ten with the smallest
    /// stride giving at most `count` labels; 1-2-5 ticks when the range spans less than two decades; minor
    /// ticks at 2…9 × 10ᵏ.
    public static func log(_ lower: Double, _ upper: Double, count: Int) -> Ticks {
        guard lower > 0, upper > lower, lower.isFinite, upper.isFinite else {
            return linear(lower, upper, count: count)
        }
        let lo = log10(lower)
        let hi = log10(upper)
        let firstDecade = Int((lo - 1e-9).rounded(.up))
        let lastDecade = Int((hi + 1e-9).rounded(.down))
        var minor: [Double] = []
        for decade in (firstDecade - 1)...(lastDecade) {
            for m in 2...9 {
                let v = Double(m) * pow(10, Double(decade))
                if v >= lower && v <= upper { minor.append(v) }
            }
        }
        let decades = lastDecade >= firstDecade ? lastDecade - firstDecade + 1 : 0
        if decades < 2 {
            var values: [Double] = []
            for decade in (firstDecade - 1)...(lastDecade) {
                for m in [1.0, 2, 5] {
                    let v = clean(m * pow(10, Double(decade)), step: pow(10, Double(decade)))
                    if v >= lower * (1 - 1e-12) && v <= upper * (1 + 1e-12) { values.append(v) }
                }
            }
            if values.count >= 2 && values.count <= max(count, 2) {
                let plain = values.allSatisfy { $0 >= 1e-3 && $0 < 1e4 }
                return Ticks(
                    values: values, labels: values.map { plain ? plainLabel($0) : scientificLabel($0) },
                    minor: minor.filter { !values.contains($0) })
            }
            let fallback = linear(lower, upper, count: count)
            return Ticks(
                values: fallback.values.filter { $0 > 0 },
                labels: fallback.labels.enumerated()
                    .filter { fallback.values[$0.offset] > 0 }.map(\.element), minor: [])
        }
        var stride = 1
        while (decades + stride - 1) / stride > max(count, 2) { stride += 1 }
        let exponents = Swift.stride(from: firstDecade, through: lastDecade, by: 1).filter {
            ($0 - firstDecade) % stride == 0 || stride == 1
        }
        let plain = exponents.allSatisfy { $0 >= -2 && $0 <= 3 }
        let values = exponents.map { pow(10, Double($0)) }
        let labels = exponents.map { plain ? plainLabel(pow(10, Double($0))) : "1e\($0)" }
        return Ticks(values: values, labels: labels, minor: stride == 1 ? minor : [])
    }

    /// Labels for evenly spaced linear ticks.
    static func formatLinear(_ values: [Double], step: Double) -> [String] {
        let largest = values.map(abs).max() ?? 0
        let stepExponent = Int(log10(step).rounded(.down))
        if step < 1e-3 || largest >= 1e6 {
            return values.map { value in
                guard value != 0 else { return "0" }
                let exponent = Int(log10(abs(value)).rounded(.down))
                let digits = max(0, exponent - stepExponent)
                return compactScientific(value, digits: digits)
            }
        }
        let decimals = max(0, -stepExponent)
        return values.map { value in
            let text = String(format: "%.\(decimals)f", value == 0 ? 0 : value)
            return text == "-0" ? "0" : text
        }
    }

    /// `value` in scientific notation with `digits` mantissa decimals, trimmed (`2e-4`, `1.5e6`).
    static func compactScientific(_ value: Double, digits: Int) -> String {
        let text = String(format: "%.\(digits)e", value)
        guard let e = text.firstIndex(of: "e") else { return text }
        var mantissa = String(text[..<e])
        if mantissa.contains(".") {
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
        }
        let exponent = Int(text[text.index(after: e)...]) ?? 0
        return "\(mantissa)e\(exponent)"
    }

    private static func plainLabel(_ value: Double) -> String {
        if value >= 1 { return String(format: "%.0f", value) }
        let decimals = max(0, -Int(log10(value).rounded(.down)))
        return String(format: "%.\(decimals)f", value)
    }

    private static func scientificLabel(_ value: Double) -> String { compactScientific(value, digits: 0) }

    private static func clean(_ value: Double, step: Double) -> Double {
        let decimals = max(0, -Int(log10(step).rounded(.down)) + 2)
        let factor = pow(10, Double(min(decimals, 15)))
        let cleaned = (value * factor).rounded() / factor
        return cleaned == 0 ? 0 : cleaned
    }
}

/// Formats `value` the way fastai's legends do (`3.98e-04`).
public func scientificText(_ value: Double, digits: Int = 2) -> String {
    String(format: "%.\(digits)e", value)
}

/// Formats `value` with `digits` decimals (`0.25`).
public func fixedText(_ value: Double, digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
}
