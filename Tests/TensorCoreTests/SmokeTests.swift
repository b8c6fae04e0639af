import Testing
import _TestSupport

@testable import TensorCore

@Test func matmulMatchesNaiveTripleLoop() {
    let a = fixture([5, 7], seed: 1)
    let b = fixture([7, 3], seed: 2)
    let c = matmul(a, b)
    var expected = [Double](repeating: 0, count: 15)
    for i in 0..<5 {
        for j in 0..<3 {
            for k in 0..<7 {
                expected[i * 3 + j] += Double(a[element: [i, k]]) * Double(b[element: [k, j]])
            }
        }
    }
    expectClose(c.scalars.map(Double.init), expected, relative: 1e-5, absolute: 1e-6)
}

@Test func matmulGradients() {
    gradCheck([fixture([3, 4], seed: 1), fixture([4, 2], seed: 2)]) { matmul($0[0], $0[1]) }
}
