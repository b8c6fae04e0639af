import Foundation
import TensorCore

extension DataBlock {
    /// A step-by-step account of how `source` becomes a batch (fastai `dblock.summary`).
    ///
    /// It collects and splits the items, runs each block's pipeline on the first training item
    /// showing every intermediate value, applies the item transforms, collates the first `bs`
    /// training samples and applies the batch transforms. When a step fails, the text ends with
    /// what went wrong (for collation, the mismatched shapes) instead of throwing.
    public func summary(_ source: Source, bs: Int = 4) -> String {
        var lines: [String] = []
        do {
            try writeSummary(source, bs: bs, into: &lines)
        } catch {
            lines.append("")
            lines.append("Error! \(error)")
        }
        return lines.joined(separator: "\n")
    }

    private func writeSummary(_ source: Source, bs: Int, into lines: inout [String]) throws {
        try checkShape()
        lines.append("Setting-up type transforms pipelines")
        lines.append("Collecting items from \(describeSource(source))")
        let items = try getItems(source)
        lines.append("Found \(items.count) items")
        let split = try self.split(items)
        lines.append("2 datasets of sizes \(split.train.count),\(split.valid.count)")
        let dsets = try datasets(source)
        let pipelines = try blocks.indices.map { index in
            let steps = [try getter(index).name] + dsets.blocks[index].typeTransforms.map(\.name)
            return "Pipeline: " + steps.joined(separator: " -> ")
        }
        for pipeline in pipelines { lines.append("Setting up \(pipeline)") }
        guard dsets.train.count > 0 else {
            throw TrainingError("the training set is empty; check the splitter (\(splitterName))")
        }

        lines += ["", "Building one sample"]
        let item = dsets.train.items[0]
        let raw = try dsets.train.raw(0)
        for (index, block) in dsets.blocks.enumerated() {
            lines.append("  \(pipelines[index])")
            lines += ["    starting from", "      \(describeItem(item))"]
            lines += [
                "    applying \(try getter(index).name) gives",
                "      \(describeValue(raw[index], kind: block.kind))",
            ]
            var value = raw[index]
            for step in block.typeTransforms {
                value = try step.apply(value)
                lines += [
                    "    applying \(step.name) gives", "      \(describeValue(value, kind: block.kind))",
                ]
            }
        }
        let first = try dsets.train.sample(0)
        lines += ["", "Final sample: \(first)", ""]

        let kinds = dsets.train.kinds
        let itemTfms = dsets.train.itemTfms
        let itemNames = itemTfms.map(transformName)
        let batchNames = dsets.batchTfms.map(transformName)
        lines.append("Setting up after_item: Pipeline: \(itemNames.joined(separator: " -> "))")
        lines.append("Setting up before_batch: Pipeline: ")
        lines.append("Setting up after_batch: Pipeline: \(batchNames.joined(separator: " -> "))")
        lines += ["", "Building one batch"]
        let generator = TensorCore.Generator(seed: Random.deriveSeed(42, "summary"))
        if itemTfms.isEmpty {
            lines.append("No item_tfms to apply")
        } else {
            lines += [
                "Applying item_tfms to the first sample:",
                "  Pipeline: \(itemNames.joined(separator: " -> "))",
            ]
            var tensors = try dsets.train.encodedTensors(0)
            lines += ["    starting from", "      \(describeTuple(tensors, kinds))"]
            for (transform, name) in zip(itemTfms, itemNames) {
                try transform(&tensors, kinds: kinds, generator: generator)
                lines += ["    applying \(name) gives", "      \(describeTuple(tensors, kinds))"]
            }
        }
        let batchSize = min(max(bs, 1), dsets.train.count)
        lines += [
            "", "Adding the next \(batchSize - 1) samples", "", "No before_batch transform to apply", "",
        ]
        lines.append("Collating items in a batch")
        let samples = try (0..<batchSize).map { try dsets.train.sample(at: $0, generator: generator) }
        var batch: [Tensor] = []
        for column in kinds.indices {
            let tensors = samples.map { $0[column] }
            if tensors.contains(where: { $0.shape != tensors[0].shape }) {
                lines.append("Error! It's not possible to collate your items in a batch")
                lines.append(
                    "Could not collate the \(column)-th members of your tuples because got the following shapes"
                )
                lines.append(tensors.map { "\($0.shape)" }.joined(separator: ","))
                lines.append(
                    "Add an item transform that gives every \(kinds[column]) the same size (e.g. Resize).")
                return
            }
            batch.append(Tensor.stack(tensors))
        }
        lines.append("")
        if dsets.batchTfms.isEmpty {
            lines.append("No batch_tfms to apply")
        } else {
            lines += [
                "Applying batch_tfms to the batch built",
                "  Pipeline: \(batchNames.joined(separator: " -> "))",
            ]
            lines += ["    starting from", "      \(describeTuple(batch, kinds))"]
            for (transform, name) in zip(dsets.batchTfms, batchNames) {
                try transform(&batch, kinds: kinds, generator: generator, isTraining: true)
                lines += ["    applying \(name) gives", "      \(describeTuple(batch, kinds))"]
            }
        }
    }

    private func describeSource(_ source: Source) -> String {
        if let frame = source as? DataFrame {
            return "a DataFrame of \(frame.count) rows (columns: \(frame.columns.joined(separator: ", ")))"
        }
        let text = String(describing: source)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private func describeItem(_ item: any Sendable) -> String {
        let text = String(describing: item)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private func describeTuple(_ tensors: [Tensor], _ kinds: [BlockKind]) -> String {
        "(" + zip(tensors, kinds).map { describeTensor($0, kind: $1) }.joined(separator: ", ") + ")"
    }
}
