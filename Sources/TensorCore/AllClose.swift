/// Whether `a` and `b` are elementwise close: `|a − b| ≤ atol + rtol·|b|` everywhere (`torch.allclose`).
///
/// The shapes must broadcast. NaN is close to nothing; equal infinities are close.
public func allClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-8) -> Bool {
    let zeros = Tensor.zeros(a.shape) + Tensor.zeros(b.shape)
    let lhs = (a + zeros).scalars
    let rhs = (b + zeros).scalars
    for (x, y) in zip(lhs, rhs) where x != y {
        guard (x - y).magnitude <= atol + rtol * y.magnitude else { return false }
    }
    return true
}
