/// Why a weight file (safetensors or a PyTorch state dict) could not be read or does not fit a model;
/// every case names the file.
public enum WeightsError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist or cannot be read.
    case missingFile(path: String)
    /// The file is neither safetensors nor a PyTorch zip archive.
    case unknownFormat(path: String, reason: String)
    /// The file ends before what its header or archive says it holds.
    case truncated(path: String, reason: String)
    /// A safetensors header length larger than the file or than any sane header.
    case oversizeHeader(path: String, length: UInt64, fileSize: Int)
    /// The safetensors JSON header, or the archive's layout, is not what the format says.
    case malformedHeader(path: String, reason: String)
    /// A tensor's offsets, shape, strides or bytes do not agree.
    case badTensor(path: String, name: String, reason: String)
    /// A tensor's element type is not one Khru reads.
    case unsupportedDType(path: String, name: String, dtype: String)
    /// The pickle names a global a state dict never needs (`posix.system`, `builtins.eval`, …): refused
    /// before anything is built, as `torch.load(weights_only=True)` refuses it.
    case forbiddenGlobal(path: String, global: String)
    /// The pickle is damaged or uses something a state dict does not.
    case malformedPickle(path: String, offset: Int, reason: String)
    /// A `torch.save` file of the format before PyTorch 1.6 (not a zip archive).
    case legacyFormat(path: String)
    /// The file's tensors and the model's weights differ: names the model has and the file lacks, names
    /// the file has and the model lacks, and shapes that differ (`name: file [..] vs model [..]`).
    case keysDiffer(path: String, missing: [String], unexpected: [String], shapes: [String])
    /// `pretrained: true` on a full-size ResNet, and torchvision's checkpoint is not in its cache.
    case missingTorchvisionCheckpoint(architecture: String, path: String, url: String)
    /// No torchvision checkpoint is known for this architecture.
    case noTorchvisionCheckpoint(architecture: String)

    /// What went wrong, naming the file.
    public var description: String {
        switch self {
        case .missingFile(let path): "\(path): no such weight file"
        case .unknownFormat(let path, let reason):
            "\(path): not a safetensors file or a PyTorch state dict: \(reason)"
        case .truncated(let path, let reason): "\(path): truncated: \(reason)"
        case .oversizeHeader(let path, let length, let size):
            "\(path): the safetensors header claims \(length) bytes, but the file has \(size) "
                + "(the limit is \(SafeTensors.maximumHeaderLength))"
        case .malformedHeader(let path, let reason): "\(path): malformed header: \(reason)"
        case .badTensor(let path, let name, let reason): "\(path): tensor '\(name)': \(reason)"
        case .unsupportedDType(let path, let name, let dtype):
            "\(path): tensor '\(name)' has element type \(dtype); Khru reads F32, F64, F16, BF16 and integers"
        case .forbiddenGlobal(let path, let global):
            "\(path): refused: its pickle calls \(global), which a state dict never needs (only "
                + "\(TorchPickle.allowedGlobals.sorted().joined(separator: ", ")) are allowed, as "
                + "torch.load(weights_only=True) allows); nothing was run or loaded"
        case .malformedPickle(let path, let offset, let reason):
            "\(path): data.pkl at byte \(offset): \(reason)"
        case .legacyFormat(let path):
            "\(path): a torch.save file of the format before PyTorch 1.6; re-save it in Python with "
                + "torch.save(torch.load(path, weights_only=True), path)"
        case .keysDiffer(let path, let missing, let unexpected, let shapes):
            "\(path) does not fit the model: "
                + [
                    missing.isEmpty ? nil : "missing \(missing.count) (\(missing.joined(separator: ", ")))",
                    unexpected.isEmpty
                        ? nil : "unexpected \(unexpected.count) (\(unexpected.joined(separator: ", ")))",
                    shapes.isEmpty
                        ? nil : "shapes differ \(shapes.count) (\(shapes.joined(separator: "; ")))",
                ].compactMap { $0 }.joined(separator: "; ")
        case .missingTorchvisionCheckpoint(let architecture, let path, let url):
            "no torchvision weights for \(architecture): \(path) does not exist; get them online with "
                + "`python -c \"import torchvision; torchvision.models.\(architecture.prefix { $0 != "(" })"
                + "(weights='DEFAULT')\"` (which saves them there) or download \(url) into that folder "
                + "(TORCH_HOME moves it); or pass pretrained: false"
        case .noTorchvisionCheckpoint(let architecture):
            "torchvision has no pretrained weights for \(architecture); pass pretrained: false or weights: PATH"
        }
    }
}
