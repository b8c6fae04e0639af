import Foundation
import TensorCore
import Training

/// The kind of picture an ``ImageBlock`` makes (fastai's `cls=PILImage` or `cls=PILImageBW`).
public enum ImageClass: Sendable, Hashable {
    /// Three channels, RGB (fastai `PILImage`).
    case rgb
    /// One grey channel (fastai `PILImageBW`).
    case grey

    /// The image mode this class converts to.
    var mode: Image.Mode { self == .rgb ? .rgb : .grey }
}

/// Images from paths: each item is loaded, converted to RGB or grey and turned into a `[C, H, W]`
/// tensor of values 0…255; batches are divided by 255 (fastai `ImageBlock`).
///
/// Each image is decoded once: decoded tensors stay in memory while they fit in `cacheLimit`
/// bytes, so a small set is decoded in the first epoch only.
///
/// ```swift
/// let dblock = DataBlock(blocks: [ImageBlock(cls: .grey), CategoryBlock()], getItems: getImageFiles,
///                        getY: parentLabel, splitter: GrandparentSplitter(valid: "test"))
/// ```
public struct ImageBlock: TransformBlock {
    /// RGB or grey.
    public let cls: ImageClass
    /// The most bytes of decoded tensors kept in memory.
    public let cacheLimit: Int
    let cache: ImageCache

    /// Creates a block making `cls` images, caching up to `cacheLimit` bytes of decoded tensors.
    public init(cls: ImageClass = .rgb, cacheLimit: Int = 768 << 20) {
        self.cls = cls
        self.cacheLimit = cacheLimit
        cache = ImageCache(limit: cacheLimit)
    }

    /// Images.
    public var kind: BlockKind { .image }

    /// `IntToFloatTensor()`.
    public var batchTfms: [any BatchTransform] { [IntToFloatTensor()] }

    /// `PILImage.create` (a path or an ``Image`` → an image of this block's class), then `ToTensor`.
    public var typeTransforms: [TypeTransform] {
        let mode = cls.mode
        let name = cls == .rgb ? "PILImage.create" : "PILImageBW.create"
        return [
            TypeTransform(name) { value in try Self.image(value).converted(to: mode) },
            TypeTransform("ToTensor") { value in
                guard let image = value as? Image else {
                    throw VisionError.invalidInput("ToTensor needs an image, got \(type(of: value))")
                }
                return image.tensor()
            },
        ]
    }

    /// The image tensor of a path (decoded once while the cache has room) or an image.
    public func encode(_ value: any Sendable) throws -> Tensor {
        let key = (value as? Path)?.string ?? (value as? String)
        if let key, let cached = cache[key] { return cached }
        let tensor = try Self.image(value).converted(to: cls.mode).tensor()
        if let key { cache[key] = tensor }
        return tensor
    }

    /// `TensorImage of size 3x64x64`.
    public func decode(_ tensor: Tensor) -> String {
        "TensorImage of size " + tensor.shape.map(String.init).joined(separator: "x")
    }

    /// How many decoded images are kept in memory.
    public var cachedCount: Int { cache.count }

    static func image(_ value: any Sendable) throws -> Image {
        switch value {
        case let image as Image: return image
        case let path as Path: return try loadImage(path)
        case let text as String: return try loadImage(Path(text))
        case let url as URL: return try loadImage(Path(url))
        case let cell as DataFrame.Value: return try loadImage(Path(cell.description))
        case let tensor as Tensor: return try Image(tensor: tensor)
        default:
            throw VisionError.invalidInput(
                "ImageBlock needs a path or an image, got \(type(of: value)); give getX a function "
                    + "returning the image's path")
        }
    }
}

/// Decoded image tensors by path, up to a byte limit, shared by copies of an ``ImageBlock`` and
/// safe to use from the loader's thread.
final class ImageCache: @unchecked Sendable {
    private let lock = NSLock()
    private var tensors: [String: Tensor] = [:]
    private var bytes = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int { lock.withLock { tensors.count } }

    subscript(key: String) -> Tensor? {
        get { lock.withLock { tensors[key] } }
        set {
            guard let newValue else { return }
            let size = newValue.count * MemoryLayout<Float>.size
            lock.withLock {
                guard tensors[key] == nil, bytes + size <= limit else { return }
                tensors[key] = newValue
                bytes += size
            }
        }
    }
}
