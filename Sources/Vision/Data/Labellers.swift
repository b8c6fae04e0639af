import Foundation
import Training

/// The name of the folder holding `path` (fastai `parent_label`): `train/3/00001.png` → `"3"`.
public func parentLabel(_ path: Path) -> String { path.parent.name }

/// Splits image paths by the name of their grandparent folder (fastai `GrandparentSplitter`):
/// `train/<class>/x.png` is a training item, `valid/<class>/x.png` a validation item; others are in neither.
public struct GrandparentSplitter: Splitter {
    /// The grandparent folder of training items.
    public let trainName: String
    /// The grandparent folder of validation items.
    public let validName: String

    /// Creates a splitter (fastai's defaults `train` and `valid`).
    public init(trainName: String = "train", validName: String = "valid") {
        self.trainName = trainName
        self.validName = validName
    }

    /// The split of `items`, which must be ``Path``s.
    ///
    /// - Throws: ``TrainingError`` when the items are not paths.
    public func split<Item>(_ items: [Item]) throws -> Split {
        guard let paths = items as? [Path] else {
            throw TrainingError("GrandparentSplitter needs paths as items, not \(Item.self)")
        }
        let names = paths.map { $0.parent.parent.name }
        return Split(
            train: names.indices.filter { names[$0] == trainName },
            valid: names.indices.filter { names[$0] == validName })
    }
}
