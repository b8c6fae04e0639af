import Foundation
import TensorCore

/// Named tensors in Khru's checkpoint format.
///
/// The layout (little-endian):
///
/// ```
/// "KHRUCKP1"                       8-byte magic
/// UInt32 entryCount
/// entryCount × { UInt32 nameLength, name (UTF-8), UInt32 rank, rank × UInt32 dims, Float32 × ∏dims }
/// ```
///
/// A learner's checkpoint holds `model.<param>` (weights), `buffer.<layer>.running_mean|running_var`
/// (batch-norm statistics), and per parameter with optimizer state `opt.<param>.grad_avg`,
/// `opt.<param>.sqr_avg` and `opt.<param>.step` (the step count as one float). Entries are in a fixed
/// order, so the same state gives the same bytes.
public enum Checkpoint {
    static let magic = Array("KHRUCKP1".utf8)

    /// Encodes named tensors.
    public static func encode(_ entries: [(String, Tensor)]) -> [UInt8] {
        var bytes = magic
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(UInt32(entries.count))
        for (name, tensor) in entries {
            let utf8 = Array(name.utf8)
            append(UInt32(utf8.count))
            bytes += utf8
            append(UInt32(tensor.rank))
            for dim in tensor.shape { append(UInt32(dim)) }
            for scalar in tensor.scalars { append(scalar.bitPattern) }
        }
        return bytes
    }

    /// Decodes named tensors.
    ///
    /// - Throws: ``TrainingError`` for a truncated or foreign file.
    public static func decode(_ bytes: [UInt8]) throws -> [(String, Tensor)] {
        guard bytes.count >= 12, Array(bytes[0..<8]) == magic else {
            throw TrainingError("not a Khru checkpoint (bad magic)")
        }
        var offset = 8
        func read() throws -> UInt32 {
            guard offset + 4 <= bytes.count else {
                throw TrainingError("truncated checkpoint at byte \(offset)")
            }
            let value =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
            offset += 4
            return value
        }
        var entries: [(String, Tensor)] = []
        for _ in 0..<(try read()) {
            let length = Int(try read())
            guard offset + length <= bytes.count else { throw TrainingError("truncated checkpoint name") }
            let name = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
            offset += length
            let rank = Int(try read())
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try read())) }
            let count = shape.reduce(1, *)
            var scalars = [Float]()
            scalars.reserveCapacity(count)
            for _ in 0..<count { scalars.append(Float(bitPattern: try read())) }
            entries.append((name, Tensor(shape: shape, scalars: scalars)))
        }
        return entries
    }
}

/// Every batch-norm layer under `layer`, with its dotted path.
func batchNorms(_ layer: any Layer, prefix: String = "") -> [(String, BatchNorm)] {
    var result: [(String, BatchNorm)] = []
    if let norm = layer as? BatchNorm { result.append((prefix, norm)) }
    for (name, child) in layer.children {
        result += batchNorms(child, prefix: prefix.isEmpty ? name : prefix + "." + name)
    }
    return result
}

extension AnyLearner {
    /// The model weights, batch-norm statistics and optimizer state as named tensors.
    public func checkpointData() throws -> [(String, Tensor)] {
        var entries: [(String, Tensor)] = model.namedParameters.map {
            ("model." + $0.name, $0.parameter.value)
        }
        for (path, norm) in batchNorms(model) {
            entries.append(("buffer.\(path).running_mean", norm.runningMean))
            entries.append(("buffer.\(path).running_var", norm.runningVar))
        }
        if let opt {
            for (name, parameter) in model.namedParameters {
                guard let state = opt.state(of: parameter) else { continue }
                if !state.gradAvg.isEmpty {
                    entries.append(
                        ("opt.\(name).grad_avg", Tensor(shape: parameter.shape, scalars: state.gradAvg)))
                }
                if !state.sqrAvg.isEmpty {
                    entries.append(
                        ("opt.\(name).sqr_avg", Tensor(shape: parameter.shape, scalars: state.sqrAvg)))
                }
                entries.append(("opt.\(name).step", Tensor(Float(state.step))))
            }
        }
        return entries
    }

    /// Restores weights, statistics and optimizer state from named tensors.
    ///
    /// - Throws: ``TrainingError`` when a weight is missing or has the wrong shape.
    public func restore(from entries: [(String, Tensor)]) throws {
        let table = Dictionary(entries, uniquingKeysWith: { _, last in last })
        for (name, parameter) in model.namedParameters {
            guard let value = table["model." + name] else {
                throw TrainingError("checkpoint has no weight '\(name)'")
            }
            guard value.shape == parameter.shape else {
                throw TrainingError(
                    "checkpoint weight '\(name)' is \(value.shape), the model's is \(parameter.shape)")
            }
            parameter.value = value
        }
        for (path, norm) in batchNorms(model) {
            if let mean = table["buffer.\(path).running_mean"] { norm.runningMean = mean }
            if let variance = table["buffer.\(path).running_var"] { norm.runningVar = variance }
        }
        let opt = createOpt()
        for (name, parameter) in model.namedParameters {
            guard let step = table["opt.\(name).step"] else {
                opt.setState(nil, of: parameter)
                continue
            }
            opt.setState(
                Optimizer.State(
                    gradAvg: table["opt.\(name).grad_avg"]?.scalars ?? [],
                    sqrAvg: table["opt.\(name).sqr_avg"]?.scalars ?? [], step: Int(step.scalar)),
                of: parameter)
        }
    }

    /// Saves weights and optimizer state to `url` atomically (temporary file, then rename).
    public func save(_ url: URL) throws {
        let bytes = Checkpoint.encode(try checkpointData())
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url, options: .atomic)
    }

    /// Saves weights and optimizer state as `path/modelDir/<file>.pth` (fastai's `learn.save`), in
    /// Khru's checkpoint format; returns the file.
    ///
    /// - Throws: when the file cannot be written.
    @discardableResult
    public func save(_ file: String) throws -> Path {
        let target = try modelFile(file)
        try save(target.url)
        return target
    }

    /// Loads the weights and optimizer state saved as `path/modelDir/<file>.pth` (fastai's `learn.load`).
    ///
    /// - Throws: ``TrainingError`` when there is no such file, it is not a checkpoint, or its weights do
    ///   not fit the model.
    public func load(_ file: String) throws {
        let source = try modelFile(file)
        guard source.exists else {
            throw TrainingError(
                "no saved model '\(file)' at \(source) (save it first with learn.save(\"\(file)\"))")
        }
        try load(source.url)
    }

    /// `path/modelDir/<file>.pth`.
    func modelFile(_ file: String) throws -> Path {
        guard !file.isEmpty, !file.contains("/") else {
            throw TrainingError("a saved model's name must be a file name without '/', not '\(file)'")
        }
        return path / modelDir / (file + ".pth")
    }

    /// Loads weights and optimizer state saved by ``save(_:)``.
    public func load(_ url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError("cannot read checkpoint \(url.path)")
        }
        try restore(from: try Checkpoint.decode(Array(data)))
    }
}
