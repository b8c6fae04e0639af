/// The heap buffer behind a ``Tensor``; shared between copies until one of them mutates.
final class TensorStorage: @unchecked Sendable {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    /// Allocates `count` uninitialized scalars.
    init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        TensorMemory.allocated(count)
    }

    /// Allocates `count` scalars set to `value`.
    convenience init(count: Int, repeating value: Float) {
        self.init(count: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit {
        pointer.deallocate()
        TensorMemory.freed(count)
    }

    /// A fresh copy of the scalars.
    func copy() -> TensorStorage {
        let result = TensorStorage(count: count)
        result.pointer.update(from: pointer, count: count)
        return result
    }
}

/// A dense, contiguous, row-major array of `Float` with copy-on-write value semantics.
///
/// Copies share one buffer until one of them mutates; mutation first checks
/// `isKnownUniquelyReferenced` and copies only when the buffer is shared.
/// Operations a user calls with shapes of their own (arithmetic, `matmul`, `reshaped`, indexing) throw
/// ``TensorError`` naming the shapes; internal kernels treat a mismatch as a bug and stop with a
/// `precondition`.
public struct Tensor: Sendable {
    /// The extent of each axis; `[]` is a scalar (one element).
    public private(set) var shape: [Int]
    var storage: TensorStorage

    /// Wraps `storage` (whose count must equal the product of `shape`).
    init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// A tensor whose scalars are not initialized yet; callers write every element.
    init(uninitialized shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape)))
    }

    /// Creates a tensor of `shape` from row-major `scalars`.
    public init(shape: [Int], scalars: [Float]) {
        let count = Tensor.elementCount(shape)
        precondition(
            count == scalars.count, "shape \(shape) needs \(count) scalars, got \(scalars.count)")
        self.init(uninitialized: shape)
        let pointer = storage.pointer
        scalars.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            pointer.update(from: base, count: count)
        }
    }

    /// Creates a rank-1 tensor from `scalars`.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// Creates a rank-1 tensor from numbers computed in `Double` (`Tensor([c1.item(), c2.item()])`),
    /// rounded to Float32.
    public init<Scalar: BinaryFloatingPoint>(_ scalars: [Scalar]) {
        self.init(shape: [scalars.count], scalars: scalars.map { Float($0) })
    }

    /// Creates a rank-2 tensor from rows of equal length.
    ///
    /// - Throws: ``TensorError`` when the rows differ in length.
    public init(rows: [[Float]]) throws {
        let columns = rows.first?.count ?? 0
        guard rows.allSatisfy({ $0.count == columns }) else {
            throw TensorError(
                .shapeMismatch, "a matrix needs rows of equal length, not \(rows.map(\.count))")
        }
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// Creates a rank-2 tensor from a nested array literal, as PyTorch's `tensor([[1., 2.], [3., 4.]])`.
    ///
    /// - Throws: ``TensorError`` when the rows differ in length.
    public init<Scalar: BinaryFloatingPoint>(_ rows: [[Scalar]]) throws {
        try self.init(rows: rows.map { $0.map { Float($0) } })
    }

    /// Creates a rank-3 tensor from a nested array literal (`Tensor([[[1.0], [2.0]], [[3.0], [4.0]]])`).
    ///
    /// - Throws: ``TensorError`` when the nested arrays are ragged.
    public init<Scalar: BinaryFloatingPoint>(_ planes: [[[Scalar]]]) throws {
        let rows = planes.first?.count ?? 0
        let columns = planes.first?.first?.count ?? 0
        guard planes.allSatisfy({ $0.count == rows && $0.allSatisfy { $0.count == columns } }) else {
            throw TensorError(
                .shapeMismatch,
                "Tensor needs nested arrays of equal lengths, not \(planes.map { $0.map(\.count) })")
        }
        self.init(
            shape: [planes.count, rows, columns],
            scalars: planes.flatMap { $0.flatMap { $0.map { Float($0) } } })
    }

    /// PyTorch's `tensor([c1, c2])` of tensors: one-element tensors (`ctr[0] * cal[0][0]`) become the
    /// elements of a vector; tensors of one larger shape are stacked along a new first axis.
    ///
    /// - Throws: ``TensorError`` for no tensors or tensors of different shapes.
    public init(_ elements: [Tensor]) throws {
        guard let first = elements.first else {
            throw TensorError(.empty, "Tensor([…]) of tensors needs at least one tensor")
        }
        if elements.allSatisfy({ $0.count == 1 }) {
            self.init(elements.map { $0.storage.pointer[0] })
            return
        }
        _ = try Tensor.checkedStackAxis(elements.map(\.shape), 0)
        try Tensor.validate(shape: [elements.count] + first.shape)
        self = Tensor.stack(elements)
    }

    /// Creates a rank-0 tensor holding `scalar`.
    public init(_ scalar: Float) {
        self.init(shape: [], storage: TensorStorage(count: 1, repeating: scalar))
    }

    /// Creates a tensor of `shape` with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(count: Tensor.elementCount(shape), repeating: value))
    }

    /// The number of elements (the product of `shape`).
    public var count: Int { storage.count }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// The single element of a one-element tensor.
    public var scalar: Float {
        precondition(count == 1, "scalar needs a one-element tensor, got shape \(shape)")
        return storage.pointer[0]
    }

    /// The product of the extents in `shape`.
    static func elementCount(_ shape: [Int]) -> Int {
        var product = 1
        for extent in shape {
            precondition(extent >= 0, "negative extent in shape \(shape)")
            product *= extent
        }
        return product
    }

    /// Calls `body` with the elements in row-major order.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Calls `body` with mutable access to the elements, copying a shared buffer first.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Copies the buffer if another tensor shares it.
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
    }

    /// Whether this tensor's buffer is shared with no other tensor (for tests of copy-on-write).
    public mutating func isUniquelyReferenced() -> Bool {
        isKnownUniquelyReferenced(&storage)
    }

    /// The row-major offset of a multi-index.
    func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) does not match shape \(shape)")
        var offset = 0
        for (axis, position) in index.enumerated() {
            precondition(position >= 0 && position < shape[axis], "index \(index) out of range for \(shape)")
            offset = offset * shape[axis] + position
        }
        return offset
    }

    /// The element at a full multi-index.
    public subscript(element index: [Int]) -> Float {
        get { storage.pointer[offset(of: index)] }
        set {
            let position = offset(of: index)
            makeUnique()
            storage.pointer[position] = newValue
        }
    }
}

extension Tensor: Equatable {
    /// Whether the shapes and all elements are equal.
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        guard lhs.shape == rhs.shape else { return false }
        if lhs.storage === rhs.storage { return true }
        let a = lhs.storage.pointer
        let b = rhs.storage.pointer
        for index in 0..<lhs.count where a[index] != b[index] { return false }
        return true
    }
}

// MARK: - Creation

extension Tensor {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }

    /// A tensor filled with `value`.
    public static func full(_ shape: [Int], value: Float) -> Tensor { Tensor(repeating: value, shape: shape) }

    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }

    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape) }

    /// `[0, 1, …, end - 1]` as a rank-1 tensor.
    public static func arange(_ end: Int) -> Tensor {
        arange(from: 0, to: Float(end), step: 1)
    }

    /// `start, start + step, …` up to but excluding `end`, as a rank-1 tensor.
    public static func arange(from start: Float, to end: Float, step: Float = 1) -> Tensor {
        precondition(step != 0, "arange step must not be zero")
        let count = Swift.max(0, Int((Double(end - start) / Double(step)).rounded(.up)))
        var result = Tensor(uninitialized: [count])
        let pointer = result.storage.pointer
        for index in 0..<count { pointer[index] = start + Float(index) * step }
        result.shape = [count]
        return result
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    public static func linspace(from start: Float, to end: Float, count: Int) -> Tensor {
        precondition(count >= 0, "linspace count must not be negative")
        let result = Tensor(uninitialized: [count])
        let pointer = result.storage.pointer
        if count == 1 { pointer[0] = start }
        if count > 1 {
            let step = (Double(end) - Double(start)) / Double(count - 1)
            for index in 0..<count { pointer[index] = Float(Double(start) + Double(index) * step) }
            pointer[count - 1] = end
        }
        return result
    }

    /// The `n×n` identity matrix.
    public static func eye(_ n: Int) -> Tensor {
        var result = zeros([n, n])
        let pointer = result.storage.pointer
        for index in 0..<n { pointer[index * n + index] = 1 }
        result.shape = [n, n]
        return result
    }

    /// One row per index with a 1 at that index's column: shape `[indices.count, classCount]`.
    public static func oneHot(_ indices: [Int], classCount: Int) -> Tensor {
        let result = zeros([indices.count, classCount])
        let pointer = result.storage.pointer
        for (row, index) in indices.enumerated() {
            precondition(index >= 0 && index < classCount, "one-hot index \(index) not in 0..<\(classCount)")
            pointer[row * classCount + index] = 1
        }
        return result
    }

    /// Uniform samples in `[low, high)` from `generator` (by default ``Random/current``).
    public static func uniform(
        _ shape: [Int], low: Float = 0, high: Float = 1, generator: Generator = Random.current
    ) -> Tensor {
        let result = Tensor(uninitialized: shape)
        generator.fillUniform(result.storage.pointer, count: result.count, low: low, high: high)
        return result
    }

    /// Normal samples (Box–Muller) with `mean` and standard deviation `std`.
    public static func normal(
        _ shape: [Int], mean: Float = 0, std: Float = 1, generator: Generator = Random.current
    ) -> Tensor {
        let result = Tensor(uninitialized: shape)
        generator.fillNormal(result.storage.pointer, count: result.count, mean: mean, std: std)
        return result
    }

    /// fastai's embedding initialisation: N(0, 1) samples, `fmod` 2 (into (−2, 2)), times `std`.
    public static func truncatedNormal(
        _ shape: [Int], std: Float = 1, generator: Generator = Random.current
    ) -> Tensor {
        let result = Tensor(uninitialized: shape)
        let pointer = result.storage.pointer
        generator.fillNormal(pointer, count: result.count, mean: 0, std: 1)
        for index in 0..<result.count {
            pointer[index] = Float(fmodf(pointer[index], 2)) * std
        }
        return result
    }

    /// Integers drawn uniformly from `low..<high`, stored as floats.
    public static func randint(
        _ low: Int, _ high: Int, shape: [Int], generator: Generator = Random.current
    ) -> Tensor {
        let result = Tensor(uninitialized: shape)
        let pointer = result.storage.pointer
        for index in 0..<result.count {
            pointer[index] = Float(generator.nextInt(in: low..<high))
        }
        return result
    }
}

/// `fmodf` without importing a C library: the remainder of `x / y` with the sign of `x`.
@inline(__always)
func fmodf(_ x: Float, _ y: Float) -> Float {
    x.truncatingRemainder(dividingBy: y)
}

extension Tensor: Codable {
    private enum CodingKeys: String, CodingKey {
        case shape
        case scalars
    }

    /// Decodes `{"shape": [...], "scalars": [...]}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let shape = try container.decode([Int].self, forKey: .shape)
        let scalars = try container.decode([Float].self, forKey: .scalars)
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == scalars.count else {
            throw DecodingError.dataCorruptedError(
                forKey: .scalars, in: container,
                debugDescription: "shape \(shape) does not match \(scalars.count) scalars")
        }
        self.init(shape: shape, scalars: scalars)
    }

    /// Encodes `{"shape": [...], "scalars": [...]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(shape, forKey: .shape)
        try container.encode(scalars, forKey: .scalars)
    }
}
