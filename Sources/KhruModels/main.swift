import Foundation
import TensorCore
import Training
import Vision

// khru-models: the recipes behind Khru's pretrained bodies (`make pretrain`) and the transfer-learning
// measurement (`make transfer`). Not part of `make run` or CI: they train for minutes.

let usage = """
    usage: khru-models <command> [options]
      pretrain --arch resnet18|resnet34|resnet50 [--train-images 20000] [--test-images 10000]
               [--epochs 3] [--lr-max 0.003] [--seed 42] [--output lessons/data/models]
          trains the body on Fashion-MNIST (untarData(.fashionMNIST)) and writes its weights and
          manifest record (the folder defaults to the pretrained bodies' folder)
      transfer [--archs resnet18,resnet34,resnet50] [--seeds 1,2,3] [--items 1000] [--epochs 3]
               [--freeze-epochs 1] [--base-lr 0.002] [--random]
          fineTune on a seeded subset of the digits' training images, pretrained and from random init,
          and prints the error rate on the 1,000 validation digits, the time and the parameters
    """

/// `--name value` options after the command.
struct Options {
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init?(_ arguments: ArraySlice<String>, flags known: Set<String> = []) {
        var rest = arguments
        while let name = rest.popFirst() {
            guard name.hasPrefix("--") else { return nil }
            let key = String(name.dropFirst(2))
            if known.contains(key) {
                flags.insert(key)
                continue
            }
            guard let value = rest.popFirst() else { return nil }
            values[key] = value
        }
    }

    func int(_ key: String, _ fallback: Int) throws -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text) else { throw TrainingError("--\(key) needs a whole number, got \(text)") }
        return value
    }

    func double(_ key: String, _ fallback: Double) throws -> Double {
        guard let text = values[key] else { return fallback }
        guard let value = Double(text) else { throw TrainingError("--\(key) needs a number, got \(text)") }
        return value
    }

    func list(_ key: String, _ fallback: [String]) -> [String] {
        values[key].map { $0.split(separator: ",").map(String.init) } ?? fallback
    }
}

func architecture(_ name: String) throws -> ResNetArchitecture {
    switch name {
    case "resnet18": return .resnet18
    case "resnet34": return .resnet34
    case "resnet50": return .resnet50
    default: throw TrainingError("unknown architecture '\(name)'; use resnet18, resnet34 or resnet50")
    }
}

func say(_ line: String) {
    print(line)
    fflush(nil)
}

/// The command line as recorded in the manifest, with the BLAS thread count.
func commandLine() -> String {
    let threads = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"].map {
        "OPENBLAS_NUM_THREADS=\($0) "
    }
    return "make pretrain: " + (threads ?? "") + "khru-models "
        + CommandLine.arguments.dropFirst().joined(separator: " ")
}

func pretrain(_ options: Options) throws {
    let defaults = PretrainingRecipe()
    let recipe = PretrainingRecipe(
        trainImages: try options.int("train-images", defaults.trainImages),
        testImages: try options.int("test-images", defaults.testImages),
        epochs: try options.int("epochs", defaults.epochs), batchSize: defaults.batchSize,
        lrMax: try options.double("lr-max", defaults.lrMax),
        seed: UInt64(try options.int("seed", Int(defaults.seed))), inputSize: defaults.inputSize)
    let arch = try architecture(options.values["arch"] ?? "resnet18")
    let output = options.values["output"].map { Path($0) } ?? PretrainedBodies.defaultFolder()
    let data = try untarData(.fashionMNIST)
    say(
        "\(arch.name): training on \(recipe.trainImages) Fashion-MNIST images, \(recipe.epochs) epochs, "
            + "lrMax \(recipe.lrMax), seed \(recipe.seed), \(BLAS.threadCount) BLAS threads")
    try pretrainBody(arch, recipe: recipe, data: data, output: output, command: commandLine()) { say($0) }
}

let arguments = CommandLine.arguments
do {
    switch arguments.dropFirst().first {
    case "pretrain":
        guard let options = Options(arguments.dropFirst(2)) else { throw TrainingError(usage) }
        try pretrain(options)
    case "transfer":
        guard let options = Options(arguments.dropFirst(2), flags: ["random"]) else {
            throw TrainingError(usage)
        }
        try transfer(options)
    default:
        FileHandle.standardError.write(Data(usage.utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
