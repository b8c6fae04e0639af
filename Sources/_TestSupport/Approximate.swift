import Testing

/// Whether `a` and `b` agree within `relative` of the larger magnitude, or within `absolute`.
///
/// Not transitive, so it is no `Equatable`; use it in `#expect`.
public func isClose(_ a: Double, _ b: Double, relative: Double = 1e-6, absolute: Double = 0) -> Bool {
    if a == b { return true }
    guard a.isFinite, b.isFinite else { return false }
    return abs(a - b) <= max(absolute, relative * max(abs(a), abs(b)))
}

/// Records an issue unless every pair of `actual` and `expected` is close.
public func expectClose(
    _ actual: [Double], _ expected: [Double], relative: Double = 1e-6, absolute: Double = 0,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("count \(actual.count) ≠ \(expected.count)", sourceLocation: sourceLocation)
        return
    }
    for (index, (a, e)) in zip(actual, expected).enumerated()
    where !isClose(a, e, relative: relative, absolute: absolute) {
        Issue.record("[\(index)]: \(a) is not close to \(e)", sourceLocation: sourceLocation)
    }
}
