import Testing
import _TestSupport

@testable import TensorCore

/// A fixed pseudo-random tensor for test inputs (independent of the library's generator).
func fixture(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
    var generator = SplitMix64(seed: seed)
    let count = shape.reduce(1, *)
    let scalars = (0..<count).map { _ in low + (high - low) * Float(generator.next() >> 40) * 0x1p-24 }
    return Tensor(shape: shape, scalars: scalars)
}

/// Checks the autodiff gradients of `function` at `inputs` against central finite differences.
///
/// The scalar checked is `Σ f(x) ⊙ r` for a fixed random `r` (accumulated in `Double`), so every output
/// element's gradient matters. Each input element is moved by `±eps` in Float32.
func gradCheck(
    _ inputs: [Tensor], eps: Float = 1e-2, relative: Double = 2e-2, absolute: Double = 2e-3,
    sourceLocation: SourceLocation = #_sourceLocation, _ function: ([Variable]) -> Variable
) {
    let parameters = inputs.enumerated().map { Parameter($0.element, name: "x\($0.offset)") }
    let output = function(parameters.map(\.variable))
    let weights = fixture(output.shape, seed: 99, low: 0.5, high: 1.5)
    (output * weights).sum().backward()

    func objective(_ values: [Tensor]) -> Double {
        let result = withNoGrad { function(values.map { Variable($0) }).value }
        var total: Double = 0
        for (a, b) in zip(result.scalars, weights.scalars) { total += Double(a) * Double(b) }
        return total
    }

    for (index, parameter) in parameters.enumerated() {
        guard let analytic = parameter.denseGrad else {
            Issue.record("input \(index) got no gradient", sourceLocation: sourceLocation)
            continue
        }
        #expect(analytic.shape == inputs[index].shape, sourceLocation: sourceLocation)
        var numeric: [Double] = []
        for element in 0..<inputs[index].count {
            var plus = inputs
            var minus = inputs
            plus[index].withUnsafeMutableBufferPointer { $0[element] += eps }
            minus[index].withUnsafeMutableBufferPointer { $0[element] -= eps }
            let step = Double(plus[index].scalars[element]) - Double(minus[index].scalars[element])
            numeric.append((objective(plus) - objective(minus)) / step)
        }
        expectClose(
            analytic.scalars.map(Double.init), numeric, relative: relative, absolute: absolute,
            sourceLocation: sourceLocation)
    }
}
