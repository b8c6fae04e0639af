import Foundation
import Testing
import _TestSupport

@testable import TensorCore
@testable import Training
@testable import Vision

/// The fixtures `bench/python/weight_fixtures.py` wrote with PyTorch 2.13.
private let fixtures = Path(
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/weights")
        .path)

/// Little-endian float32 values of a fixture.
private func floats(_ name: String) throws -> [Float] {
    let data = try Data(contentsOf: (fixtures / name).url)
    return data.withUnsafeBytes { raw in
        (0..<(data.count / 4)).map {
            Float(
                bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
        }
    }
}

/// The largest absolute difference.
private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}

/// Khru's twin of the script's `nn.Sequential(Conv2d(3, 4, 3, padding=1), BatchNorm2d(4), ReLU(),
/// AdaptiveAvgPool2d(1), Flatten(), Linear(4, 5))`.
private func sequential() -> Sequential {
    Sequential(
        Conv2d(3, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), AdaptiveAvgPool2d(), Flatten(),
        Linear(4, 5))
}

/// The thrown ``WeightsError`` of `body`, or nil.
private func weightsError(_ body: () throws -> Void) -> WeightsError? {
    do {
        try body()
        return nil
    } catch let error as WeightsError {
        return error
    } catch {
        return nil
    }
}

@Suite struct WeightsTests {
    @Test(arguments: ["seq.pth", "seq.safetensors"])
    func aSequentialGivesPyTorchsOutputs(file: String) throws {
        let model = sequential()
        try loadWeights(into: model, from: fixtures / file)
        model.eval()
        let x = Tensor(shape: [2, 3, 6, 6], scalars: try floats("seq-input.bin"))
        let expected = try floats("seq-output.bin")
        let output = try model.forward(Variable(x)).value
        #expect(output.shape == [2, 5])
        let difference = maxDifference(output.scalars, expected)
        print("\(file): max |Khru − PyTorch| = \(difference)")
        #expect(difference <= 1e-5)
    }

    @Test func stridesAndOffsetsOfAPthAreHonoured() throws {
        // seq.pth stores 5.weight transposed (strides [1, 5]) and 5.bias at storage offset 3.
        let pth = try StateDict.read(from: fixtures / "seq.pth")
        let safetensors = try StateDict.read(from: fixtures / "seq.safetensors")
        for name in ["0.weight", "1.running_var", "5.weight", "5.bias"] {
            let a = try #require(pth[name])
            let b = try #require(safetensors[name])
            #expect(a.shape == b.shape && a.scalars == b.scalars, "\(name)")
        }
        #expect(safetensors.metadata == ["format": "pt"])
        #expect(pth.entries.first { $0.name == "1.num_batches_tracked" }?.dtype == "I64")
    }

    @Test func torchvisionsResNet18AtWidth8GivesPyTorchsOutputs() throws {
        let model = try resnet18(width: 8).model(nOut: 10)
        try loadWeights(into: model, from: fixtures / "resnet18-w8.pth")
        model.eval()
        let x = Tensor(shape: [2, 3, 32, 32], scalars: try floats("resnet18-w8-input.bin"))
        let output = try model.forward(Variable(x)).value
        let difference = maxDifference(output.scalars, try floats("resnet18-w8-output.bin"))
        print("resnet18-w8.pth: max |Khru − PyTorch| = \(difference)")
        #expect(output.shape == [2, 10])
        #expect(difference <= 1e-5)
    }

    @Test func torchvisionsBottleneckResNet50AtWidth2GivesPyTorchsOutputs() throws {
        let model = try resnet50(width: 2).model(nOut: 3)
        try loadWeights(into: model, from: fixtures / "resnet50-w2.safetensors")
        model.eval()
        let x = Tensor(shape: [1, 3, 32, 32], scalars: try floats("resnet50-w2-input.bin"))
        let output = try model.forward(Variable(x)).value
        let difference = maxDifference(output.scalars, try floats("resnet50-w2-output.bin"))
        print("resnet50-w2.safetensors: max |Khru − PyTorch| = \(difference)")
        #expect(output.shape == [1, 3])
        #expect(difference <= 1e-5)
    }

    @Test func resNetNamesAreTorchvisions() throws {
        struct Key: Decodable {
            var name: String
            var shape: [Int]
        }
        let data = try Data(contentsOf: (fixtures / "resnet18-w8-keys.json").url)
        let keys = try JSONDecoder().decode([Key].self, from: data).filter {
            !$0.name.hasSuffix("num_batches_tracked")
        }
        let model = try resnet18(width: 8).model(nOut: 10)
        var ours = model.namedParameters.map { ($0.name, $0.parameter.shape) }
        for (path, norm) in batchNormLayers(model) {
            ours += [
                (path + ".running_mean", norm.runningMean.shape),
                (path + ".running_var", norm.runningVar.shape),
            ]
        }
        #expect(Set(ours.map(\.0)) == Set(keys.map(\.name)))
        let shapes = Dictionary(uniqueKeysWithValues: ours)
        for key in keys { #expect(shapes[key.name] == key.shape, "\(key.name)") }
        // The body's names are the same weights, renumbered as fastai's create_body does.
        let body = model.body
        for (name, parameter) in body.namedParameters {
            let torchvision = TorchvisionResNetNames.torchvisionName(name)
            #expect(TorchvisionResNetNames.bodyName(torchvision) == name)
            #expect(model.namedParameters.first { $0.name == torchvision }?.parameter === parameter)
        }
        #expect(TorchvisionResNetNames.bodyName("layer1.0.downsample.0.weight") == "4.0.downsample.0.weight")
        #expect(TorchvisionResNetNames.bodyName("fc.weight") == nil)
    }

    @Test func fullSizeResNetsHaveTorchvisionsParameterCounts() throws {
        // torchvision: resnet18 11,689,512; resnet34 21,797,672; resnet50 25,557,032 (with a 1000-way fc).
        for (arch, count) in [(resnet18, 11_689_512), (resnet34, 21_797_672), (resnet50, 25_557_032)] {
            let full = arch(width: 64)
            #expect(full.bodyParameterCount() + full.featureCount * 1000 + 1000 == count, "\(arch.name)")
            #expect(full.description == "\(arch.name)(width: 64)")
        }
        #expect(resnet34.width == ResNetArchitecture.courseWidth)
    }

    @Test func aTorchvisionFileLoadsIntoABodyAndACNNLearnersModel() throws {
        let reference = try resnet18(width: 8).model(nOut: 10)
        try loadWeights(into: reference, from: fixtures / "resnet18-w8.pth")
        let body = try resnet18(width: 8).body()
        try loadWeights(into: body, from: fixtures / "resnet18-w8.pth")
        let head = try createHead(64, 3)
        let before = head.parameters.map(\.value.scalars)
        let learnerModel = Sequential(try resnet18(width: 8).body(), head)
        try loadWeights(into: learnerModel, from: fixtures / "resnet18-w8.pth")
        #expect(head.parameters.map(\.value.scalars) == before)
        for model in [body, learnerModel[0]] {
            for ((name, a), (_, b)) in zip(model.namedParameters, reference.body.namedParameters) {
                #expect(a.value.scalars == b.value.scalars, "\(name)")
            }
        }
        reference.eval()
        body.eval()
        let x = Tensor(shape: [2, 3, 32, 32], scalars: try floats("resnet18-w8-input.bin"))
        #expect(body(x).value.scalars == reference.body(x).value.scalars)
    }

    @Test func aGreyStemSumsTheRGBWeightsAsFastaiDoes() throws {
        let body = try resnet18(width: 8).body(inChannels: 1)
        try loadWeights(into: body, from: fixtures / "resnet18-w8.pth")
        let rgb = try #require(try StateDict.read(from: fixtures / "resnet18-w8.pth")["conv1.weight"])
        let grey = try #require(body[0] as? Conv2d).weight.value
        #expect(grey.shape == [8, 1, 7, 7])
        let plane = 49
        for o in [0, 7] {
            for offset in [0, 24, 48] {
                let sum = (0..<3).map { rgb.scalars[(o * 3 + $0) * plane + offset] }.reduce(0, +)
                #expect(abs(grey.scalars[o * plane + offset] - sum) <= 1e-6)
            }
        }
    }

    @Test func otherElementTypesBecomeFloats() throws {
        struct Expected: Decodable {
            var shape: [Int]
            var values: [Float]
        }
        let data = try Data(contentsOf: (fixtures / "dtypes.json").url)
        let expected = try JSONDecoder().decode([String: Expected].self, from: data)
        for file in ["dtypes.safetensors", "dtypes.pth"] {
            let state = try StateDict.read(from: fixtures / file)
            for (name, truth) in expected {
                let tensor = try #require(state[name], "\(file): \(name)")
                #expect(tensor.shape == truth.shape && tensor.scalars == truth.values, "\(file): \(name)")
            }
            #expect(Set(state.entries.map(\.dtype)) == ["F32", "F64", "F16", "BF16"])
        }
    }

    @Test(arguments: [("evil-system.pth", "os.system"), ("evil-eval.pth", "builtins.eval")])
    func aPickleThatCallsAnythingElseIsRefused(file: String, global: String) throws {
        let model = sequential()
        let before = model.parameters.map(\.value.scalars)
        let error = weightsError { try loadWeights(into: model, from: fixtures / file) }
        #expect(error == .forbiddenGlobal(path: (fixtures / file).string, global: global))
        #expect(error?.description.contains("refused") == true)
        #expect(model.parameters.map(\.value.scalars) == before)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/khru-evil-pickle"))
    }

    @Test func malformedSafetensorsAreRefusedWithTypedErrors() throws {
        func error(_ file: String) -> WeightsError? {
            weightsError { _ = try StateDict.read(from: fixtures / file) }
        }
        let path = { (file: String) in (fixtures / file).string }
        guard case .truncated(let truncated, _)? = error("truncated.safetensors") else {
            Issue.record("truncated.safetensors: \(String(describing: error("truncated.safetensors")))")
            return
        }
        #expect(truncated == path("truncated.safetensors"))
        #expect(
            error("oversize-header.safetensors")
                == .oversizeHeader(path: path("oversize-header.safetensors"), length: 1 << 40, fileSize: 8))
        guard case .badTensor(_, "b", let reason)? = error("overlapping.safetensors") else {
            Issue.record("overlapping.safetensors: \(String(describing: error("overlapping.safetensors")))")
            return
        }
        #expect(reason.contains("overlap"))
        #expect(
            error("unknown-dtype.safetensors")
                == .unsupportedDType(path: path("unknown-dtype.safetensors"), name: "a", dtype: "F8_E4M3X"))
        guard case .badTensor(_, "a", let mismatch)? = error("shape-mismatch.safetensors") else {
            Issue.record(
                "shape-mismatch.safetensors: \(String(describing: error("shape-mismatch.safetensors")))")
            return
        }
        #expect(mismatch.contains("[3]"))
    }

    @Test func safetensorsHeadersThatLieAreRefused() throws {
        let folder = Path(FileManager.default.temporaryDirectory.path) / "khru-st-\(UUID().uuidString)"
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        /// The error reading a safetensors file of `header` and `data` bytes.
        func error(_ header: String, data: Int) throws -> WeightsError? {
            var bytes = withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { Array($0) }
            bytes += Array(header.utf8) + [UInt8](repeating: 0, count: data)
            let file = folder / "x.safetensors"
            try Data(bytes).write(to: file.url)
            return weightsError { _ = try StateDict.read(from: file) }
        }
        let path = (folder / "x.safetensors").string
        // Beyond the data.
        guard
            case .badTensor(_, "a", let beyond)? = try error(
                #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: 4)
        else {
            Issue.record("offsets beyond the data were accepted")
            return
        }
        #expect(beyond.contains("outside"))
        // Bytes that belong to no tensor (a gap before, and after).
        for (header, data) in [
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8),
        ] {
            guard case .malformedHeader(_, let reason)? = try error(header, data: data) else {
                Issue.record("a gap in \(header) was accepted")
                continue
            }
            #expect(reason.contains("belong to no tensor"))
        }
        // Not a JSON object; metadata that is not strings; a tensor without offsets; a negative dimension.
        for header in [
            "[1, 2, 3]", "{not json}", #"{"__metadata__":{"n":1}}"#, #"{"a":{"dtype":"F32","shape":[0]}}"#,
        ] {
            guard case .malformedHeader(path, _)? = try error(header, data: 0) else {
                Issue.record("header \(header) was accepted")
                continue
            }
        }
        guard
            case .badTensor(_, "a", _)? = try error(
                #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: 4)
        else {
            Issue.record("a negative dimension was accepted")
            return
        }
        // An empty header and a zero-element tensor are fine.
        #expect(try error("{}", data: 0) == nil)
        #expect(try error(#"{"a":{"dtype":"F32","shape":[0, 3],"data_offsets":[0,0]}}"#, data: 0) == nil)
    }

    @Test func everyPrefixOfAWeightFileIsATypedError() throws {
        let folder = Path(FileManager.default.temporaryDirectory.path) / "khru-weights-\(UUID().uuidString)"
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        for file in ["seq.safetensors", "seq.pth"] {
            let bytes = try Data(contentsOf: (fixtures / file).url)
            let step = file.hasSuffix("pth") ? 7 : 1
            for length in stride(from: 0, to: bytes.count, by: step) {
                let cut = folder / "cut-\(file)"
                try bytes.prefix(length).write(to: cut.url)
                #expect(weightsError { _ = try StateDict.read(from: cut) } != nil, "\(file) cut at \(length)")
            }
        }
    }

    @Test func mutatedPicklesAreTypedErrorsNeverCrashes() throws {
        // seq.pth's data.pkl: stored uncompressed, from PROTO 2 to the STOP before the next zip header.
        let file = [UInt8](try Data(contentsOf: (fixtures / "seq.pth").url))
        let start = try #require(
            file.indices.first { file[$0] == 0x80 && file[$0 + 1] == 2 && file[$0 + 2] == UInt8(ascii: "c") })
        let end = try #require(
            (start..<(file.count - 2)).first {
                file[$0] == UInt8(ascii: ".") && file[$0 + 1] == 0x50 && file[$0 + 2] == 0x4B
            })
        let pickle = Array(file[start...end])
        var original = TorchPickle(pickle, path: "seq")
        let tensors = try TorchCheckpoint.stateDictTensors(try original.load(), path: "seq")
        original.dismantle()
        #expect(tensors.map(\.name).first == "0.weight" && tensors.count == 9)
        var outcomes = (built: 0, refused: 0)
        for index in pickle.indices {
            for replacement in [0x00, 0xFF, pickle[index] ^ 0x55, pickle[index] &+ 1] as [UInt8] {
                var mutated = pickle
                mutated[index] = replacement
                var unpickler = TorchPickle(mutated, path: "mutated")
                defer { unpickler.dismantle() }
                do {
                    _ = try TorchCheckpoint.stateDictTensors(try unpickler.load(), path: "mutated")
                    outcomes.built += 1
                } catch {
                    outcomes.refused += 1
                }
            }
        }
        #expect(outcomes.refused > pickle.count)
    }

    @Test func deepAndCyclicContainersAreBoundedNotRecursedWithoutEnd() throws {
        // L0 (memo 0) ← L1 ← L2 ← … : each new list appended to the last, 300,000 deep.
        var pickle: [UInt8] = [0x80, 2, UInt8(ascii: "]"), UInt8(ascii: "q"), 0]
        for _ in 0..<300_000 {
            pickle += [UInt8(ascii: "]"), UInt8(ascii: "q"), 1, UInt8(ascii: "a"), UInt8(ascii: "0")]
            pickle += [UInt8(ascii: "h"), 1]
        }
        pickle.append(UInt8(ascii: "."))
        var unpickler = TorchPickle(pickle, path: "chain")
        defer { unpickler.dismantle() }
        let root = try unpickler.load()
        #expect(throws: WeightsError.self) { try TorchCheckpoint.stateDictTensors(root, path: "chain") }
        // A list appended to itself, then again: the second APPEND meets the cycle and is refused.
        let cycle: [UInt8] =
            [0x80, 2, UInt8(ascii: "]"), UInt8(ascii: "q"), 0, UInt8(ascii: "h"), 0, UInt8(ascii: "a")]
            + [UInt8(ascii: "h"), 0, UInt8(ascii: "a"), UInt8(ascii: ".")]
        var cyclic = TorchPickle(cycle, path: "cycle")
        defer { cyclic.dismantle() }
        guard case .malformedPickle(_, _, let reason)? = weightsError({ _ = try cyclic.load() }) else {
            Issue.record("a cyclic list was not refused")
            return
        }
        #expect(reason.contains("nested more than"))
        // Tuples nested deeper than a state dict's are refused where they are made.
        let deep = [0x80, 2, UInt8(ascii: ")")] + Array(repeating: 0x85, count: 40) + [UInt8(ascii: ".")]
        var nested = TorchPickle(deep, path: "deep")
        #expect(throws: WeightsError.self) { _ = try nested.load() }
    }

    @Test func whatDiffersIsListed() throws {
        let model = Sequential(
            Conv2d(3, 4, kernelSize: 3, padding: 1), BatchNorm2d(4), ReLU(), AdaptiveAvgPool2d(), Flatten(),
            Linear(4, 6), Linear(6, 2))
        let before = model.parameters.map(\.value.scalars)
        let error = weightsError { try loadWeights(into: model, from: fixtures / "seq.safetensors") }
        #expect(
            error
                == .keysDiffer(
                    path: (fixtures / "seq.safetensors").string, missing: ["6.weight", "6.bias"],
                    unexpected: [],
                    shapes: ["5.weight: file [5, 4] vs model [6, 4]", "5.bias: file [5] vs model [6]"]))
        #expect(model.parameters.map(\.value.scalars) == before)
        // A torchvision file into a body of another depth: the names it lacks, in torchvision's words.
        let deeper = try resnet34(width: 8).body()
        guard
            case .keysDiffer(_, let missing, let unexpected, let shapes)? = weightsError({
                try loadWeights(into: deeper, from: fixtures / "resnet18-w8.pth")
            })
        else {
            Issue.record("a ResNet-18 file loaded into a ResNet-34 body")
            return
        }
        #expect(missing.contains("layer1.2.conv1.weight") && missing.contains("layer3.5.bn2.running_var"))
        #expect(unexpected.isEmpty && shapes.isEmpty)
    }

    @Test func torchvisionCheckpointsAreLookedForInTorchsCache() throws {
        let home = Path("/home/student")
        #expect(
            TorchvisionWeights.checkpointFolder(environment: [:], home: home).string
                == "/home/student/.cache/torch/hub/checkpoints")
        #expect(
            TorchvisionWeights.checkpointFolder(environment: ["TORCH_HOME": "/data/torch"], home: home).string
                == "/data/torch/hub/checkpoints")
        #expect(
            TorchvisionWeights.checkpointFolder(environment: ["XDG_CACHE_HOME": "/c"], home: home).string
                == "/c/torch/hub/checkpoints")
        let folder = Path(FileManager.default.temporaryDirectory.path) / "khru-hub-\(UUID().uuidString)"
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.url) }
        let missing = weightsError {
            _ = try TorchvisionWeights.checkpoint(for: resnet34(width: 64), in: folder)
        }
        #expect(
            missing
                == .missingTorchvisionCheckpoint(
                    architecture: "resnet34(width: 64)", path: (folder / "resnet34-b627a593.pth").string,
                    url: "https://download.pytorch.org/models/resnet34-b627a593.pth"))
        #expect(missing?.description.contains("torchvision.models.resnet34(weights='DEFAULT')") == true)
        #expect(
            weightsError { _ = try TorchvisionWeights.checkpoint(for: resnet34, in: folder) }
                == .noTorchvisionCheckpoint(architecture: "resnet34"))
        try FileManager.default.copyItem(
            at: (fixtures / "seq.pth").url, to: (folder / "resnet50-0676ba61.pth").url)
        #expect(
            try TorchvisionWeights.checkpoint(for: resnet50(width: 64), in: folder) == folder
                / "resnet50-0676ba61.pth")
    }

    @Test func cnnLearnerTakesAWeightFile() throws {
        let x = Tensor.normal([16, 3, 32, 32], generator: Generator(seed: 3))
        let y = Tensor((0..<16).map { Float($0 % 2) })
        let dataset = TensorDataset(x: x, y: y, kinds: [.image, .category])
        let dls = DataLoaders(train: dataset, valid: dataset, bs: 8, seed: 1, vocab: CategoryMap(["a", "b"]))
        let learn = try Random.withSeed(2) {
            try cnnLearner(dls, resnet18(width: 8), weights: fixtures / "resnet18-w8.pth")
        }
        let reference = try resnet18(width: 8).model(nOut: 10)
        try loadWeights(into: reference, from: fixtures / "resnet18-w8.pth")
        let body = try #require(learn.model[0] as? Sequential)
        #expect(body.parameters.map(\.value.scalars) == reference.body.parameters.map(\.value.scalars))
        // Frozen as fastai freezes a pretrained body; ImageNet's statistics for 3 channels.
        #expect(body.parameters.filter { $0.requiresGrad }.count == batchNormLayers(body).count * 2)
        let normalize = try #require(learn.dls.train.batchTfms.compactMap { $0 as? Normalize }.first)
        #expect(normalize.mean == ilsvrcStats.mean)
        // pretrained: false with weights (fastai warns, loads them): nothing frozen, nothing normalized.
        let plain = try Random.withSeed(2) {
            try cnnLearner(dls, resnet18(width: 8), pretrained: false, weights: fixtures / "resnet18-w8.pth")
        }
        let plainBody = try #require(plain.model[0] as? Sequential)
        #expect(plainBody.parameters.map(\.value.scalars) == reference.body.parameters.map(\.value.scalars))
        #expect(plain.model.parameters.allSatisfy { $0.requiresGrad })
        #expect(!plain.dls.train.batchTfms.contains { $0 is Normalize })
    }
}

/// `cnnLearner(…, pretrained: true)` on a full-size ResNet, with `TORCH_HOME` set (process-wide, so serialized).
@Suite(.serialized) struct TorchvisionCheckpointLearnerTests {
    @Test func aFullSizeResNetLooksInTorchsCacheAndSaysHowToGetTheWeights() throws {
        let home = Path(FileManager.default.temporaryDirectory.path) / "khru-torch-\(UUID().uuidString)"
        let folder = home / "hub" / "checkpoints"
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home.url) }
        let previous = ProcessInfo.processInfo.environment["TORCH_HOME"]
        setenv("TORCH_HOME", home.string, 1)
        defer {
            if let previous { setenv("TORCH_HOME", previous, 1) } else { unsetenv("TORCH_HOME") }
        }
        let x = Tensor.normal([4, 3, 32, 32], generator: Generator(seed: 3))
        let dataset = TensorDataset(x: x, y: Tensor([0, 1, 0, 1]), kinds: [.image, .category])
        let dls = DataLoaders(train: dataset, valid: dataset, bs: 4, seed: 1, vocab: CategoryMap(["a", "b"]))
        do {
            _ = try cnnLearner(dls, resnet18(width: 64))
            Issue.record("a full-size ResNet-18 was made pretrained without torchvision's file")
        } catch let error as WeightsError {
            #expect(
                error
                    == .missingTorchvisionCheckpoint(
                        architecture: "resnet18(width: 64)", path: (folder / "resnet18-f37072fd.pth").string,
                        url: "https://download.pytorch.org/models/resnet18-f37072fd.pth"))
        }
        // Not pretrained: nothing is looked for.
        #expect(try cnnLearner(dls, resnet18(width: 64), pretrained: false).model.parameters.count > 0)
    }
}

/// Full-size torchvision ResNets saved by PyTorch, when `KHRU_FULLSIZE_WEIGHTS` names a folder.
///
/// The folder holds `resnet34.pth`/`resnet50.pth` with `-in.bin`, `-out.bin` (PyTorch, float32) and `-out64.bin` (PyTorch in
/// float64, rounded to float32): too large to commit; made by torchvision's own `ResNet` classes at their
/// widths, input [1, 3, 64, 64]. At this depth float32 itself differs from float64 by ~1e-5 (ResNet-34) to
/// ~1e-4 (ResNet-50), so Khru's error against float64 must be within 3× PyTorch's own float32 error.
/// `python bench/python/weight_fixtures.py --full-size DIR` writes them.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["KHRU_FULLSIZE_WEIGHTS"] != nil))
struct FullSizeWeightsTests {
    @Test(arguments: [("resnet34", resnet34), ("resnet50", resnet50)])
    func fullSizeTorchvisionFilesGivePyTorchsOutputs(name: String, arch: ResNetArchitecture) throws {
        let folder = Path(ProcessInfo.processInfo.environment["KHRU_FULLSIZE_WEIGHTS"] ?? "")
        func floats(_ file: String) throws -> [Float] {
            let data = try Data(contentsOf: (folder / file).url)
            return data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }
            }
        }
        let model = try arch(width: 64).model()
        let start = Date()
        try loadWeights(into: model, from: folder / "\(name).pth")
        let seconds = Date().timeIntervalSince(start)
        model.eval()
        let x = Tensor(shape: [1, 3, 64, 64], scalars: try floats("\(name)-in.bin"))
        let output = try model.forward(Variable(x)).value
        func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
            zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        }
        let torch32 = try floats("\(name)-out.bin")
        let torch64 = try floats("\(name)-out64.bin")
        let ours = maxDifference(output.scalars, torch64)
        let theirs = maxDifference(torch32, torch64)
        print(
            "\(name).pth: loaded in \(seconds) s; max |Khru − PyTorch32| = \(maxDifference(output.scalars, torch32)), "
                + "|Khru − PyTorch64| = \(ours), |PyTorch32 − PyTorch64| = \(theirs)")
        #expect(output.shape == [1, 1000])
        #expect(ours <= 3 * theirs)
    }
}
