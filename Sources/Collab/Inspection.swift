import Foundation
import Plotting
import TensorCore
import Training

/// The titles of the `count` largest (or smallest) values, such as movie biases (fastbook's `argsort()[:5]`).
///
/// `values` holds one number per title (any shape with that many elements, such as `[n, 1]`);
/// ties keep index order.
public func topItems(
    _ values: Tensor, _ titles: some Collection<String>, count: Int = 5, largest: Bool = true
) throws -> [String] {
    let titles = Array(titles)
    guard values.count == titles.count else {
        throw TensorError(.shapeMismatch, "\(values.count) values for \(titles.count) titles")
    }
    let scalars = values.scalars
    let order = scalars.indices.sorted { lhs, rhs in
        let (a, b) = (scalars[lhs], scalars[rhs])
        if a != b { return largest ? a > b : a < b }
        return lhs < rhs
    }
    return order.prefix(max(count, 0)).map { titles[$0] }
}

/// Cosine similarity of every row of `matrix` `[n, d]` with `row` `[d]`: `[n]` (PyTorch `CosineSimilarity(dim=1)`).
///
/// Norms are clamped below at 1e-8, as PyTorch does.
public func cosineSimilarity(_ matrix: Tensor, _ row: Tensor) throws -> Tensor {
    guard matrix.rank == 2, row.count == matrix.shape[1] else {
        throw TensorError(.shapeMismatch, "cosineSimilarity: \(matrix.shape) rows, \(row.shape) row")
    }
    let target = row.ravel()
    let dots = try (matrix * target).sum(axis: 1)
    let norms = matrix.squared().sum(axis: 1).sqrt().clamped(min: 1e-8, max: .infinity)
    let targetNorm = max(target.squared().sum().scalar.squareRoot(), 1e-8)
    return try dots / (norms * targetNorm)
}

/// The items of `ratings[itemName]` by number of ratings, most rated first (ties by name).
public func mostRated(_ ratings: DataFrame, itemName: String, count: Int) throws -> [String] {
    var counts: [String: Int] = [:]
    for item in try ratings.column(itemName).strings { counts[item, default: 0] += 1 }
    let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    return sorted.prefix(max(count, 0)).map(\.key)
}

/// The principal components of the rows of `x` `[n, d]`: `[n, k]` projections (fastai `Tensor.pca`).
///
/// Centres the columns, eigen-decomposes the `[d, d]` Gram matrix `XᵀX` (cyclic Jacobi, in Double) and
/// projects onto the `k` leading eigenvectors. Each eigenvector's sign is fixed so its
/// largest-magnitude component is positive, so the result is deterministic.
public func pca(_ x: Tensor, k: Int = 2) -> Tensor {
    precondition(x.rank == 2, "pca expects [n, d], got \(x.shape)")
    let (n, d) = (x.shape[0], x.shape[1])
    precondition(k >= 1 && k <= d, "pca: k = \(k) for \(d) columns")
    let scalars = x.scalars.map(Double.init)
    var means = [Double](repeating: 0, count: d)
    for row in 0..<n { for column in 0..<d { means[column] += scalars[row * d + column] } }
    means = means.map { $0 / Double(max(n, 1)) }
    let centred = (0..<(n * d)).map { scalars[$0] - means[$0 % d] }
    var gram = [Double](repeating: 0, count: d * d)
    for row in 0..<n {
        for i in 0..<d {
            let value = centred[row * d + i]
            for j in i..<d { gram[i * d + j] += value * centred[row * d + j] }
        }
    }
    for i in 0..<d { for j in 0..<i { gram[i * d + j] = gram[j * d + i] } }
    let (values, vectors) = symmetricEigen(gram, d)
    let order = (0..<d).sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
    var projections = [Float](repeating: 0, count: n * k)
    for (component, column) in order.prefix(k).enumerated() {
        var vector = (0..<d).map { vectors[$0 * d + column] }
        let largest = vector.indices.max { abs(vector[$0]) < abs(vector[$1]) } ?? 0
        if vector[largest] < 0 { vector = vector.map { -$0 } }
        for row in 0..<n {
            var sum = 0.0
            for i in 0..<d { sum += centred[row * d + i] * vector[i] }
            projections[row * k + component] = Float(sum)
        }
    }
    return Tensor(shape: [n, k], scalars: projections)
}

/// Eigenvalues and eigenvectors (columns of a row-major `[d, d]`) of a symmetric matrix (cyclic Jacobi).
func symmetricEigen(_ matrix: [Double], _ d: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: d * d)
    for i in 0..<d { v[i * d + i] = 1 }
    let scale = max(a.map(abs).max() ?? 0, .leastNormalMagnitude)
    for _ in 0..<100 {
        var off = 0.0
        for p in 0..<d { for q in (p + 1)..<max(d, p + 1) { off += a[p * d + q] * a[p * d + q] } }
        if off.squareRoot() <= 1e-15 * scale * Double(d) { break }
        for p in 0..<d {
            for q in (p + 1)..<max(d, p + 1) where a[p * d + q] != 0 {
                let theta = (a[q * d + q] - a[p * d + p]) / (2 * a[p * d + q])
                let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot()
                let s = t * c
                for k in 0..<d {
                    let (akp, akq) = (a[k * d + p], a[k * d + q])
                    a[k * d + p] = c * akp - s * akq
                    a[k * d + q] = s * akp + c * akq
                }
                for k in 0..<d {
                    let (apk, aqk) = (a[p * d + k], a[q * d + k])
                    a[p * d + k] = c * apk - s * aqk
                    a[q * d + k] = s * apk + c * aqk
                }
                for k in 0..<d {
                    let (vkp, vkq) = (v[k * d + p], v[k * d + q])
                    v[k * d + p] = c * vkp - s * vkq
                    v[k * d + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<d).map { a[$0 * d + $0] }, v)
}

/// Items placed by two principal components of their factors: the data of ``plotItemFactors``.
public struct ItemFactorMap: Sendable, Equatable {
    /// The items' titles, most rated first.
    public let titles: [String]
    /// Each item's coordinate on the horizontal component.
    public let x: [Double]
    /// Each item's coordinate on the vertical component.
    public let y: [Double]
}

/// Projects the factors of the most-rated items onto principal components (fastbook's movie PCA).
///
/// The PCA is fitted on the `pcaCount` most-rated items (fastbook: 1,000); the first `count` of them
/// are returned.
///
/// - Parameters:
///   - factors: The item factor table `[nItems, nFactors]`, rows in vocabulary order.
///   - titles: The item vocabulary (`dls.classes["title"]`).
///   - ratings: The ratings table, to count ratings per item.
///   - itemName: The item column of `ratings`.
///   - count: How many items to return.
///   - pcaCount: How many of the most-rated items the PCA is fitted on.
///   - xComponent: The component on the horizontal axis (0 = first).
///   - yComponent: The component on the vertical axis.
/// - Returns: The items' titles and coordinates.
/// - Throws: ``TrainingError`` when `itemName` is not a column, ``TensorError`` unless `factors` has one
///   row per title.
public func itemFactorMap(
    _ factors: Tensor, titles: some Collection<String>, ratings: DataFrame, itemName: String, count: Int = 50,
    pcaCount: Int = 1000, xComponent: Int = 0, yComponent: Int = 1
) throws -> ItemFactorMap {
    guard factors.rank == 2, factors.shape[0] == titles.count else {
        throw TensorError(.shapeMismatch, "\(factors.shape) factors for \(titles.count) titles")
    }
    let titles = Array(titles)
    var positions: [String: Int] = [:]
    for (index, title) in titles.enumerated() { positions[title] = index }
    let top = try mostRated(ratings, itemName: itemName, count: ratings.count).filter { positions[$0] != nil }
        .prefix(max(pcaCount, count))
    let rows = top.compactMap { positions[$0] }
    let k = max(xComponent, yComponent) + 1
    let projected = pca(factors.gather(rows), k: k).scalars
    let shown = min(count, rows.count)
    return ItemFactorMap(
        titles: Array(top.prefix(shown)), x: (0..<shown).map { Double(projected[$0 * k + xComponent]) },
        y: (0..<shown).map { Double(projected[$0 * k + yComponent]) })
}

/// A labelled scatter of the most-rated items on two principal components of their factors.
///
/// See ``itemFactorMap(_:titles:ratings:itemName:count:pcaCount:xComponent:yComponent:)``; the axes are
/// titled `PC1`, `PC2`, … unless `xLabel`/`yLabel` are given (Thai works).
///
/// - Throws: ``TrainingError`` for a missing column, ``PlottingError`` when the chart cannot be drawn.
public func plotItemFactors(
    _ factors: Tensor, titles: some Collection<String>, ratings: DataFrame, itemName: String, count: Int = 50,
    pcaCount: Int = 1000, xComponent: Int = 0, yComponent: Int = 1, title: String? = nil,
    xLabel: String? = nil, yLabel: String? = nil, width: Int = 820, height: Int = 680
) throws -> Chart {
    let map = try itemFactorMap(
        factors, titles: titles, ratings: ratings, itemName: itemName, count: count, pcaCount: pcaCount,
        xComponent: xComponent, yComponent: yComponent)
    return try scatterChart(
        [Series(x: map.x, y: map.y, markerSize: 5, pointLabels: map.titles)], title: title,
        xLabel: xLabel ?? "PC\(xComponent + 1)", yLabel: yLabel ?? "PC\(yComponent + 1)", width: width,
        height: height)
}

/// ``topItems(_:_:count:largest:)`` of a parameter's values (`model.movieBias.weight`).
public func topItems(
    _ values: Parameter, _ titles: some Collection<String>, count: Int = 5, largest: Bool = true
) throws -> [String] {
    try topItems(values.value, titles, count: count, largest: largest)
}

/// ``plotItemFactors(_:titles:ratings:itemName:count:pcaCount:xComponent:yComponent:title:xLabel:yLabel:width:height:)``
/// of a parameter's values (`model.movieFactors.weight`).
///
/// - Throws: ``TrainingError`` for a missing column, ``PlottingError`` when the chart cannot be drawn.
public func plotItemFactors(
    _ factors: Parameter, titles: some Collection<String>, ratings: DataFrame, itemName: String,
    count: Int = 50, pcaCount: Int = 1000, xComponent: Int = 0, yComponent: Int = 1, title: String? = nil,
    xLabel: String? = nil, yLabel: String? = nil, width: Int = 820, height: Int = 680
) throws -> Chart {
    try plotItemFactors(
        factors.value, titles: titles, ratings: ratings, itemName: itemName, count: count, pcaCount: pcaCount,
        xComponent: xComponent, yComponent: yComponent, title: title, xLabel: xLabel, yLabel: yLabel,
        width: width, height: height)
}
