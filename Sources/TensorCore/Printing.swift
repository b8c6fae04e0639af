import Foundation

extension Tensor: CustomStringConvertible {
    /// PyTorch-style text: `tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])`.
    ///
    /// Integral values print as `1.`, others with 4 decimals, scientific notation for very large or
    /// very small magnitudes; tensors over 1000 elements show the first and last 3 entries of each axis.
    public var description: String {
        let summarize = count > 1000
        let values = scalars
        let finite = values.filter { $0.isFinite }
        let integral = finite.allSatisfy { $0 == $0.rounded() }
        let largest = finite.map { Swift.abs($0) }.max() ?? 0
        let smallest = finite.filter { $0 != 0 }.map { Swift.abs($0) }.min() ?? 0
        let scientific =
            largest >= 1e8 || (!integral && smallest > 0 && (smallest < 1e-4 || largest / smallest > 1000))
        func format(_ value: Float) -> String {
            if value.isNaN { return "nan" }
            if value.isInfinite { return value > 0 ? "inf" : "-inf" }
            if scientific { return String(format: "%.4e", Double(value)) }
            if integral { return String(format: "%.0f.", Double(value)) }
            return String(format: "%.4f", Double(value))
        }
        let width = values.map { format($0).count }.max() ?? 0
        func padded(_ value: Float) -> String {
            let text = format(value)
            return String(repeating: " ", count: width - text.count) + text
        }
        guard rank > 0 else { return "tensor(\(format(storage.pointer[0])))" }
        func positions(_ extent: Int) -> [Int?] {
            guard summarize && extent > 6 else { return (0..<extent).map { $0 } }
            return [0, 1, 2, nil, extent - 3, extent - 2, extent - 1]
        }
        func render(axis: Int, offset: Int, indent: Int) -> String {
            let stride = shape[(axis + 1)...].reduce(1, *)
            let items = positions(shape[axis]).map { position -> String in
                guard let position else { return axis == rank - 1 ? " ..." : "..." }
                if axis == rank - 1 { return padded(storage.pointer[offset + position]) }
                return render(axis: axis + 1, offset: offset + position * stride, indent: indent + 1)
            }
            if axis == rank - 1 { return "[" + items.joined(separator: ", ") + "]" }
            let separator =
                "," + String(repeating: "\n", count: rank - axis - 1)
                + String(repeating: " ", count: indent + 1)
            return "[" + items.joined(separator: separator) + "]"
        }
        return "tensor(" + render(axis: 0, offset: 0, indent: 7) + ")"
    }
}
