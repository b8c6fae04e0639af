/// Whether `a` and `b` are elementwise close: `|a − b| ≤ atol + rtol·|b|` everywhere (`torch.allclose`).
///
/// NaN is close to nothing; equal infinities are close.
///
/// - Throws: ``TensorError`` when the shapes do not broadcast.
public func allClose(_ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-8) throws -> Bool {
    _ = try Tensor.checkedBroadcastShape(a.shape, b.shape, verb: "compare")
    let zeros = Tensor.zeros(a.shape).adding(Tensor.zeros(b.shape))
    let lhs = a.adding(zeros).scalars
    let rhs = b.adding(zeros).scalars
    for (x, y) in zip(lhs, rhs) where x != y {
        guard (x - y).magnitude <= atol + rtol * y.magnitude else { return false }
    }
    return true
}
