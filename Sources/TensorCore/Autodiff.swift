/// Whether operations on ``Variable``s are recorded for ``Variable/backward()``.
public enum GradMode {
    /// `true` unless inside ``withNoGrad(_:)``.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording any operation (evaluation, optimizer steps).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// Runs async `body` without recording any operation.
public func withNoGrad<R>(
    isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
) async rethrows -> R {
    try await GradMode.$isEnabled.withValue(false, operation: body, isolation: isolation)
}

/// A sparse gradient of a matrix-like parameter: only the rows in `indices` are non-zero.
///
/// `indices` are unique and ascending; `values` has shape `[indices.count] + shape.dropFirst()`.
public struct SparseRows: Sendable, Equatable {
    /// The full shape of the parameter this gradient belongs to.
    public let shape: [Int]
    /// The touched rows, unique and ascending.
    public let indices: [Int]
    /// One gradient row per index.
    public let values: Tensor

    /// Coalesces possibly repeated `indices` (summing their rows) into unique ascending rows.
    public init(shape: [Int], indices: [Int], values: Tensor) {
        precondition(
            values.rank >= 1 && values.shape[0] == indices.count, "SparseRows values \(values.shape)")
        let width = values.count / Swift.max(indices.count, 1)
        // Positions ordered by index, ties in position order (so each row sums in input order).
        let order = indices.indices.sorted { (indices[$0], $0) < (indices[$1], $1) }
        var unique: [Int] = []
        unique.reserveCapacity(indices.count)
        for position in order where unique.last != indices[position] { unique.append(indices[position]) }
        let coalesced = Tensor(repeating: 0, shape: [unique.count] + Array(shape.dropFirst()))
        let source = values.storage.pointer
        let out = coalesced.storage.pointer
        var target = -1
        var previous: Int?
        for position in order {
            if indices[position] != previous {
                target += 1
                previous = indices[position]
            }
            let destination = out + target * width
            let row = source + position * width
            for i in 0..<width { destination[i] += row[i] }
        }
        self.shape = shape
        self.indices = unique
        self.values = coalesced
    }

    /// The equivalent dense gradient.
    public func densified() -> Tensor {
        Tensor.scatterAdd(values, rows: indices, rowCount: shape[0]).uncheckedReshaped(shape)
    }

    /// The sum of two sparse gradients of the same parameter.
    public static func + (lhs: SparseRows, rhs: SparseRows) -> SparseRows {
        precondition(lhs.shape == rhs.shape, "adding sparse gradients of \(lhs.shape) and \(rhs.shape)")
        return SparseRows(
            shape: lhs.shape, indices: lhs.indices + rhs.indices,
            values: Tensor.concat([lhs.values, rhs.values]))
    }
}

/// A trainable tensor with identity: layers own parameters, ``Variable/backward()`` fills their gradients
/// and optimizers update their values.
///
/// After `backward()`, a parameter used only through ``Variable/gather(_:)-([Int])`` holds its gradient
/// in ``sparseGrad`` (touched rows only) and ``grad`` stays `nil`; any dense use makes the whole
/// gradient dense in ``grad``. Gradients accumulate over backward passes until ``zeroGrad()``.
/// Not thread-safe: confine a parameter to one task at a time.
public final class Parameter: @unchecked Sendable, CustomStringConvertible {
    /// A name for reports and optimizer groups (dotted paths such as `"layers.0.weight"` by convention).
    public var name: String
    /// The current value.
    public var value: Tensor
    /// The accumulated dense gradient, if any.
    public var grad: Tensor?
    /// The accumulated sparse gradient, if the parameter was only gathered from.
    public var sparseGrad: SparseRows?
    /// Whether backward computes a gradient for this parameter (false: frozen).
    public var requiresGrad: Bool

    /// Creates a parameter.
    public init(_ value: Tensor, name: String = "", requiresGrad: Bool = true) {
        self.value = value
        self.name = name
        self.requiresGrad = requiresGrad
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }

    /// A differentiable handle on the current value (a leaf of the graph; constant when frozen or
    /// inside ``withNoGrad(_:)``).
    public var variable: Variable {
        guard requiresGrad && GradMode.isEnabled else { return Variable(value) }
        return Variable(value: value, node: Node(.parameter(self)))
    }

    /// The gradient as a dense tensor (densifying ``sparseGrad``), or `nil` if none.
    public var denseGrad: Tensor? {
        if let grad { return grad }
        return sparseGrad?.densified()
    }

    /// Forgets the accumulated gradients.
    public func zeroGrad() {
        grad = nil
        sparseGrad = nil
    }

    /// Adds a dense contribution (densifying any sparse gradient).
    func accumulate(_ gradient: Tensor) {
        let gradient = gradient.shape == value.shape ? gradient : gradient.summed(toShape: value.shape)
        if var existing = grad {
            grad = nil
            existing.addInPlace(gradient)
            grad = existing
        } else if let sparse = sparseGrad {
            var dense = sparse.densified()
            dense.addInPlace(gradient)
            grad = dense
            sparseGrad = nil
        } else {
            grad = gradient
        }
    }

    /// Adds a sparse contribution (kept sparse unless a dense gradient exists).
    func accumulate(_ sparse: SparseRows) {
        if var existing = grad {
            grad = nil
            existing.addInPlace(sparse.densified())
            grad = existing
        } else if let existing = sparseGrad {
            sparseGrad = existing + sparse
        } else {
            sparseGrad = sparse
        }
    }

    /// The parameter's name and shape.
    public var description: String { "Parameter(\(name.isEmpty ? "_" : name), shape: \(shape))" }
}

extension Parameter: Hashable {
    /// Identity: two handles are equal when they are the same parameter object.
    public static func == (lhs: Parameter, rhs: Parameter) -> Bool { lhs === rhs }

    /// Hashes the object identity (for in-memory dictionaries such as optimizer state; never persist it).
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

/// One recorded operation (or leaf) of the graph behind a ``Variable``.
final class Node: @unchecked Sendable {
    enum Kind {
        /// A parameter leaf: the incoming gradient accumulates into the parameter.
        case parameter(Parameter)
        /// Rows of a parameter gathered directly: the incoming gradient becomes a sparse gradient.
        case gatheredRows(Parameter, [Int])
        /// An operation: `backward` maps the output gradient to one gradient per input (nil = none).
        case operation(inputs: [Node?], backward: (Tensor) -> [Tensor?])
    }

    let kind: Kind

    init(_ kind: Kind) {
        self.kind = kind
    }

    var inputs: [Node?] {
        if case .operation(let inputs, _) = kind { return inputs }
        return []
    }
}

/// A tensor value that remembers how it was computed from ``Parameter``s, for reverse-mode autodiff.
///
/// Write layers with the same operators and methods as ``Tensor``; call ``backward()`` on a scalar
/// loss to accumulate gradients into every parameter that requires them. Variables made from plain
/// tensors are constants.
public struct Variable: Sendable, CustomStringConvertible {
    /// The computed value.
    public let value: Tensor
    let node: Node?

    init(value: Tensor, node: Node?) {
        self.value = value
        self.node = node
    }

    /// A constant (no gradient flows into it).
    public init(_ value: Tensor) {
        self.init(value: value, node: nil)
    }

    /// The parameter's differentiable handle (same as ``Parameter/variable``).
    public init(_ parameter: Parameter) {
        self = parameter.variable
    }

    /// The shape of ``value``.
    public var shape: [Int] { value.shape }
    /// The rank of ``value``.
    public var rank: Int { value.rank }
    /// Whether gradients flow through this value.
    public var requiresGrad: Bool { node != nil }
    /// The same value as a constant, cut from the graph.
    public var detached: Variable { Variable(value) }

    /// The value's description, marked when it requires a gradient.
    public var description: String { "Variable(\(value)\(requiresGrad ? ", requiresGrad" : ""))" }

    /// Records an operation whose inputs are `inputs`; a constant if nothing needs a gradient.
    static func record(
        _ value: Tensor, _ inputs: [Variable], backward: @escaping (Tensor) -> [Tensor?]
    ) -> Variable {
        guard inputs.contains(where: { $0.node != nil }), GradMode.isEnabled else { return Variable(value) }
        return Variable(value: value, node: Node(.operation(inputs: inputs.map(\.node), backward: backward)))
    }

    /// Backpropagates from this one-element value (the loss), seeding its gradient with 1.
    public func backward() {
        precondition(
            value.count == 1, "backward() needs a one-element loss, got shape \(shape); pass a gradient")
        backward(gradient: Tensor(repeating: 1, shape: shape))
    }

    /// Backpropagates `gradient` (the derivative of some scalar with respect to this value).
    public func backward(gradient: Tensor) {
        precondition(gradient.shape == shape, "backward gradient \(gradient.shape) for value \(shape)")
        guard let root = node else { return }
        // Topological order by an explicit depth-first stack (inputs before their users).
        var order: [Node] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Node, Bool)] = [(root, false)]
        while let (current, expanded) = stack.popLast() {
            if expanded {
                order.append(current)
                continue
            }
            guard visited.insert(ObjectIdentifier(current)).inserted else { continue }
            stack.append((current, true))
            for case let input? in current.inputs where !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        var gradients: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): gradient]
        for current in order.reversed() {
            guard let upstream = gradients.removeValue(forKey: ObjectIdentifier(current)) else { continue }
            switch current.kind {
            case .parameter(let parameter):
                parameter.accumulate(upstream)
            case .gatheredRows(let parameter, let indices):
                let rows = upstream.uncheckedReshaped([indices.count] + Array(parameter.shape.dropFirst()))
                parameter.accumulate(SparseRows(shape: parameter.shape, indices: indices, values: rows))
            case .operation(let inputs, let backward):
                let inputGradients = backward(upstream)
                for (input, inputGradient) in zip(inputs, inputGradients) {
                    guard let input, let inputGradient else { continue }
                    let key = ObjectIdentifier(input)
                    if var existing = gradients.removeValue(forKey: key) {
                        existing.addInPlace(inputGradient)
                        gradients[key] = existing
                    } else {
                        gradients[key] = inputGradient
                    }
                }
            }
        }
    }
}
