import Checksums
import Foundation
import TensorCore
import Training

/// What the manifest says about one pretrained body: how it was made, how well it did, its file.
public struct PretrainedBodyRecord: Codable, Sendable, Equatable {
    /// The architecture's name, such as `"resnet18"`.
    public var architecture: String
    /// The architecture's width (the course's is 16).
    public var width: Int
    /// The input channels the body was trained on (1 for Fashion-MNIST).
    public var inChannels: Int
    /// The side of the training images, in pixels.
    public var inputSize: Int
    /// The weight file, relative to the manifest's folder.
    public var file: String
    /// The SHA-256 of the weight file, as lowercase hex.
    public var sha256: String
    /// The size of the weight file in bytes.
    public var bytes: Int
    /// Parameters of the body (without the head).
    public var parameterCount: Int
    /// The training data, in words.
    public var data: String
    /// Training images used.
    public var trainImages: Int
    /// Test images the accuracy was measured on.
    public var testImages: Int
    /// One-cycle epochs over the training images.
    public var epochs: Int
    /// Images per batch.
    public var batchSize: Int
    /// The one-cycle peak learning rate.
    public var lrMax: Double
    /// The seed of initialisation, subset, shuffling and dropout.
    public var seed: UInt64
    /// Accuracy on the test images of the body (weights rounded to half precision, as stored) with the
    /// head it was trained with.
    public var testAccuracy: Double
    /// The per-channel mean the inputs were normalized with.
    public var mean: [Float]
    /// The per-channel standard deviation the inputs were normalized with.
    public var std: [Float]
    /// Wall-clock seconds of the training (informational; the machine was shared).
    public var seconds: Double
    /// The command that made the file.
    public var command: String

    /// The pretraining set's statistics, for `Normalize.fromStats`.
    public var stats: ImageStats { (mean, std) }
}

/// The manifest of a folder of pretrained bodies (`manifest.json`).
public struct PretrainedManifest: Codable, Sendable, Equatable {
    /// The format's name and version.
    public var format: String
    /// One record per body, sorted by architecture and width.
    public var bodies: [PretrainedBodyRecord]

    /// The format this version of Khru writes and reads.
    public static let currentFormat = "khru-pretrained-bodies 1"

    /// An empty manifest of the current format.
    public init(bodies: [PretrainedBodyRecord] = []) {
        format = Self.currentFormat
        self.bodies = bodies
    }
}

/// Khru's pretrained ResNet bodies: trained on Fashion-MNIST by `make pretrain`, committed under
/// `lessons/data/models/` with a `manifest.json`, and loaded by `cnnLearner(…, pretrained: true)`.
///
/// Loading checks the file's SHA-256 against the manifest and throws a ``VisionModelError`` naming the
/// file (and `make pretrain`) when the manifest or the file is missing, differs or does not fit the body.
public enum PretrainedBodies {
    /// The manifest's file name.
    public static let manifestName = "manifest.json"

    /// The folder of the pretrained bodies.
    ///
    /// `KHRU_MODELS` when set; else `models` in the checkout's `lessons/data` (found from the current
    /// folder as ``Training/DataSource/dataRoot(environment:currentDirectory:home:)`` finds it, ignoring
    /// `KHRU_DATA`, since the bodies are committed with the code); else `~/.khru/data/models`.
    public static func defaultFolder(
        environment: [String: String] = ProcessInfo.processInfo.environment, currentDirectory: Path = .cwd
    ) -> Path {
        if let configured = environment["KHRU_MODELS"], !configured.isEmpty {
            let path = Path(configured)
            return path.isAbsolute ? path : currentDirectory / path
        }
        var rest = environment
        rest["KHRU_DATA"] = nil
        return DataSource.dataRoot(environment: rest, currentDirectory: currentDirectory) / "models"
    }

    /// The weight file's name for `arch`: `resnet18.khw` at the course's width, else `resnet18-w32.khw`.
    public static func fileName(for arch: ResNetArchitecture) -> String {
        arch.width == ResNetArchitecture.courseWidth ? "\(arch.name).khw" : "\(arch.name)-w\(arch.width).khw"
    }

    /// The manifest in `folder`.
    ///
    /// - Throws: ``VisionModelError/missingPretrainedWeights(architecture:file:)`` when there is none;
    ///   ``VisionModelError/badPretrainedWeights(file:reason:)`` when it cannot be read.
    public static func manifest(
        in folder: Path, for arch: ResNetArchitecture
    ) throws(VisionModelError)
        -> PretrainedManifest
    {
        let path = folder / manifestName
        guard let data = FileManager.default.contents(atPath: path.string) else {
            throw .missingPretrainedWeights(architecture: arch.description, file: path.string)
        }
        let manifest: PretrainedManifest
        do {
            manifest = try JSONDecoder().decode(PretrainedManifest.self, from: data)
        } catch {
            throw .badPretrainedWeights(file: path.string, reason: "not a readable manifest: \(error)")
        }
        guard manifest.format == PretrainedManifest.currentFormat else {
            throw .badPretrainedWeights(
                file: path.string,
                reason: "format '\(manifest.format)', expected '\(PretrainedManifest.currentFormat)'")
        }
        return manifest
    }

    /// The manifest's record of `arch` in `folder`.
    ///
    /// - Throws: ``VisionModelError/missingPretrainedWeights(architecture:file:)`` naming the file that
    ///   `make pretrain` would write, when the manifest has no such body.
    public static func record(
        for arch: ResNetArchitecture, in folder: Path = defaultFolder()
    ) throws(VisionModelError) -> PretrainedBodyRecord {
        let manifest = try manifest(in: folder, for: arch)
        guard
            let record = manifest.bodies.first(where: {
                $0.architecture == arch.name && $0.width == arch.width
            })
        else {
            throw .missingPretrainedWeights(
                architecture: arch.description, file: (folder / fileName(for: arch)).string)
        }
        return record
    }

    /// The pretrained weights of `arch`, checked against the manifest's SHA-256.
    ///
    /// - Returns: The record and the file's named tensors.
    /// - Throws: ``VisionModelError/missingPretrainedWeights(architecture:file:)``,
    ///   ``VisionModelError/pretrainedChecksumMismatch(file:expected:actual:)`` or
    ///   ``VisionModelError/badPretrainedWeights(file:reason:)``.
    public static func weights(
        for arch: ResNetArchitecture, in folder: Path = defaultFolder()
    ) throws(VisionModelError) -> (record: PretrainedBodyRecord, entries: [(name: String, tensor: Tensor)]) {
        let record = try record(for: arch, in: folder)
        let path = folder / record.file
        guard let data = FileManager.default.contents(atPath: path.string) else {
            throw .missingPretrainedWeights(architecture: arch.description, file: path.string)
        }
        let bytes = [UInt8](data)
        let actual = SHA256.hex(of: bytes)
        guard actual == record.sha256 else {
            throw .pretrainedChecksumMismatch(file: path.string, expected: record.sha256, actual: actual)
        }
        do {
            return (record, try BodyWeights.decode(bytes))
        } catch {
            if case .badPretrainedWeights(_, let reason) = error {
                throw .badPretrainedWeights(file: path.string, reason: reason)
            }
            throw error
        }
    }

    /// Loads `arch`'s pretrained weights and batch-norm statistics into `body` (made by
    /// `arch.body(inChannels:)`), after checking the file.
    ///
    /// A body for `C` input channels other than the pretrained one's (1, grey) gets the stem's weights
    /// repeated over its channels and divided by `C`, so an image whose channels are equal gives the
    /// same features as the grey image (the inverse of fastai's summing of RGB weights for one channel).
    ///
    /// - Returns: The manifest's record (its ``PretrainedBodyRecord/stats`` are the pretraining set's).
    /// - Throws: What ``weights(for:in:)`` throws, and
    ///   ``VisionModelError/badPretrainedWeights(file:reason:)`` when a weight is missing or its shape
    ///   does not fit.
    @discardableResult
    public static func load(
        _ arch: ResNetArchitecture, into body: Sequential, folder: Path = defaultFolder()
    ) throws(VisionModelError) -> PretrainedBodyRecord {
        let (record, entries) = try weights(for: arch, in: folder)
        let file = (folder / record.file).string
        let table = Dictionary(entries.map { ($0.name, $0.tensor) }, uniquingKeysWith: { _, last in last })
        var assignments: [(Parameter, Tensor)] = []
        for (name, parameter) in body.namedParameters {
            guard let stored = table[name] else {
                throw .badPretrainedWeights(file: file, reason: "it has no weight '\(name)'")
            }
            if stored.shape == parameter.shape {
                assignments.append((parameter, stored))
            } else if name == "0.weight", stored.rank == 4, parameter.shape.count == 4,
                stored.shape[0] == parameter.shape[0], stored.shape[2...] == parameter.shape[2...]
            {
                assignments.append((parameter, adaptStem(stored, channels: parameter.shape[1])))
            } else {
                throw .badPretrainedWeights(
                    file: file, reason: "'\(name)' is \(stored.shape), the body's is \(parameter.shape)")
            }
        }
        var statistics: [(BatchNorm, Tensor, Tensor)] = []
        for (path, norm) in batchNormLayers(body) {
            guard let mean = table[path + ".running_mean"], let variance = table[path + ".running_var"],
                mean.shape == norm.runningMean.shape, variance.shape == norm.runningVar.shape
            else {
                throw .badPretrainedWeights(
                    file: file, reason: "no fitting statistics for batch norm '\(path)'")
            }
            statistics.append((norm, mean, variance))
        }
        // Nothing changes unless everything fits.
        for (parameter, value) in assignments { parameter.value = value }
        for (norm, mean, variance) in statistics {
            norm.runningMean = mean
            norm.runningVar = variance
        }
        return record
    }

    /// The stem's `[out, c, k, k]` weights repeated to `channels` input channels, divided by the ratio.
    static func adaptStem(_ weight: Tensor, channels: Int) -> Tensor {
        let (out, stored, plane) = (weight.shape[0], weight.shape[1], weight.shape[2] * weight.shape[3])
        let scale = Float(stored) / Float(channels)
        let source = weight.scalars
        var scalars = [Float](repeating: 0, count: out * channels * plane)
        for o in 0..<out {
            for c in 0..<channels {
                let from = (o * stored + c % stored) * plane
                let to = (o * channels + c) * plane
                for offset in 0..<plane { scalars[to + offset] = source[from + offset] * scale }
            }
        }
        return Tensor(shape: [out, channels, weight.shape[2], weight.shape[3]], scalars: scalars)
    }

    /// Writes `body`'s weights for `record` into `folder` (atomically) and puts the record, with the
    /// file's name, size and SHA-256, into the folder's manifest (replacing the same architecture's).
    ///
    /// - Returns: The record as written.
    /// - Throws: ``VisionModelError/badPretrainedWeights(file:reason:)`` when a file cannot be written or
    ///   the existing manifest cannot be read.
    @discardableResult
    public static func save(
        _ body: Sequential, record: PretrainedBodyRecord, arch: ResNetArchitecture, folder: Path
    ) throws(VisionModelError) -> PretrainedBodyRecord {
        let bytes = BodyWeights.encode(body.bodyWeightEntries)
        var record = record
        record.file = fileName(for: arch)
        record.bytes = bytes.count
        record.sha256 = SHA256.hex(of: bytes)
        var manifest =
            (folder / manifestName).exists ? try manifest(in: folder, for: arch) : PretrainedManifest()
        manifest.bodies.removeAll { $0.architecture == record.architecture && $0.width == record.width }
        manifest.bodies.append(record)
        manifest.bodies.sort { ($0.architecture, $0.width) < ($1.architecture, $1.width) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = folder / record.file
        do {
            try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
            try Data(bytes).write(to: path.url, options: .atomic)
            let json = try encoder.encode(manifest) + Data("\n".utf8)
            try json.write(to: (folder / manifestName).url, options: .atomic)
        } catch {
            throw .badPretrainedWeights(
                file: path.string, reason: "cannot write: \(error.localizedDescription)")
        }
        return record
    }
}
