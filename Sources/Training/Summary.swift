import Foundation
import TensorCore

/// What the layers of one forward pass returned, for ``AnyLearner/summary()`` (fastai's hooks on every
/// leaf module).
///
/// Each layer without sub-layers passes its result through ``record(_:_:_:)`` as it returns; outside
/// a summary that costs one task-local read.
public enum LayerTrace {
    /// The shapes a forward pass gave each layer, by object.
    final class Recording: @unchecked Sendable {
        var shapes: [ObjectIdentifier: (input: [Int], output: [Int])] = [:]
    }

    @TaskLocal static var recording: Recording?

    /// Notes that `layer` mapped `input` to `output` while a summary runs; returns `output`.
    public static func record(_ layer: any Layer, _ input: Variable, _ output: Variable) -> Variable {
        record(layer, inputShape: input.shape, output)
    }

    /// Notes that `layer` mapped an input of shape `inputShape` to `output` while a summary runs (a
    /// layer called on something other than a variable, such as an embedding on `[Int]` ids).
    public static func record(_ layer: any Layer, inputShape: [Int], _ output: Variable) -> Variable {
        if let recording { recording.shapes[ObjectIdentifier(layer)] = (inputShape, output.shape) }
        return output
    }

    /// Runs `body` recording every leaf layer's input and output shapes.
    static func shapes(
        _ body: () throws -> Void
    ) rethrows -> [ObjectIdentifier: (input: [Int], output: [Int])] {
        let recording = Recording()
        try $recording.withValue(recording) { try body() }
        return recording.shapes
    }
}

extension AnyLearner {
    /// The model's layers, their output shapes and parameter counts, then the optimizer, the loss,
    /// whether the model is frozen and the callbacks (fastai's `learn.summary()`, in its layout).
    ///
    /// Like fastai, it runs the model in evaluation mode without gradients on the first item of the
    /// first training batch, lists the layers without sub-layers that the forward pass called (in the
    /// order the model declares them), and writes each output shape with the batch size in front. It
    /// starts a new section, under the new shape, when a layer changes the shape of what it is given.
    /// Unlike fastai, the totals count every parameter of the model, including raw ``Parameter``s
    /// that no leaf layer holds (fastai leaves those out). Training state, data order and random
    /// streams are untouched.
    ///
    /// - Throws: when the batch cannot be made or the forward pass fails.
    public func summary() throws -> String {
        let batch = try dls.train.oneBatch()
        guard let first = batch.xs.first, first.rank >= 1, first.shape[0] > 0 else {
            throw TrainingError("summary needs a training batch with at least one item")
        }
        let bs = first.shape[0]
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        let shapes = try LayerTrace.shapes {
            _ = try withNoGrad { try forward(batch.xs.map { $0[0..<1] }) }
        }

        func shown(_ shape: [Int]) -> String {
            String(([String(bs)] + shape.dropFirst().map(String.init)).joined(separator: " x ").prefix(19))
        }
        func padded(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
        let rule = String(repeating: "=", count: 76)
        let line = String(repeating: "_", count: 76)
        let inputs = batch.xs.map { shown($0.shape) }
        var text = "\(model.typeName) (Input shape: \(inputs.count == 1 ? inputs[0] : "\(inputs)"))\n"
        text += rule + "\n"
        text += "\(padded("Layer (type)", 20)) \(padded("Output Shape", 20)) \(padded("Param #", 10)) "
        text += padded("Trainable", 10) + "\n" + rule
        var previous: [Int]?
        for layer in Self.leaves(of: model) {
            guard let (input, output) = shapes[ObjectIdentifier(layer)] else { continue }
            let keepsShape = Array(input.dropFirst()) == Array(output.dropFirst())
            if previous == nil {
                text += "\n\(padded("", 20)) \(padded(shown(output), 20))"
            } else if !keepsShape && previous != output {
                text += "\n" + line + "\n" + "\(padded("", 20)) \(padded(shown(output), 20))"
            }
            let parameters = layer.ownParameters.map(\.parameter)
            let count = parameters.isEmpty ? "" : String(parameters.reduce(0) { $0 + $1.value.count })
            let trainable = parameters.first.map { String($0.requiresGrad).capitalized } ?? ""
            // PyTorch names batch norm by its input: BatchNorm1d for [N, C] or [N, C, L], 2d for maps.
            let name =
                layer is BatchNorm ? (input.count == 4 ? "BatchNorm2d" : "BatchNorm1d") : layer.typeName
            text +=
                "\n\(padded(name, 20)) \(padded("", 20)) \(padded(count, 10)) \(padded(trainable, 10))"
            previous = output
        }
        let all = model.parameters
        let total = all.reduce(0) { $0 + $1.value.count }
        let trainable = all.filter(\.requiresGrad).reduce(0) { $0 + $1.value.count }
        text += "\n" + line + "\n\n"
        text += "Total params: \(Self.grouped(total))\n"
        text += "Total trainable params: \(Self.grouped(trainable))\n"
        text += "Total non-trainable params: \(Self.grouped(total - trainable))\n\n"
        text += "Optimizer used: \(String(describing: type(of: optFunc)))\n"
        text += "Loss function: \(String(describing: type(of: lossFunc)))\n\n"
        if opt != nil {
            let frozen = frozenGroups
            text += frozen == 0 ? "Model unfrozen\n\n" : "Model frozen up to parameter group #\(frozen)\n\n"
        }
        let callbacks = (cbs + [recorder, ProgressCallback()]).sorted { $0.order < $1.order }
        text +=
            "Callbacks:\n"
            + callbacks.map { "  - \(String(describing: type(of: $0)))" }.joined(separator: "\n")
        return text
    }

    /// How many leading parameter groups are frozen (fastai's `frozen_idx`): those whose parameters,
    /// normalization parameters aside, all have `requiresGrad` off.
    var frozenGroups: Int {
        let norms = Set(model.normalizationParameters.map(ObjectIdentifier.init))
        let frozen = paramGroups.prefix {
            $0.allSatisfy { !$0.requiresGrad || norms.contains(ObjectIdentifier($0)) }
                && $0.contains { !norms.contains(ObjectIdentifier($0)) }
        }
        return frozen.count == paramGroups.count ? 0 : frozen.count
    }

    /// The layers without sub-layers under `layer`, depth first in declaration order (fastai's
    /// `flatten_model`); `layer` itself when it has none.
    static func leaves(of layer: any Layer) -> [any Layer] {
        let children = layer.children
        return children.isEmpty ? [layer] : children.flatMap { leaves(of: $0.layer) }
    }

    /// `n` with commas between thousands (Python's `f"{n:,}"`).
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (n < 0 ? "-" : "") + result
    }
}
