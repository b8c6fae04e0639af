import Foundation
import TensorCore
import Training

/// How ``Resize`` fits an image into the target size (fastai `ResizeMethod`).
public enum ResizeMethod: Sendable, Hashable {
    /// The largest crop of the target's aspect ratio, then a resize (fastai's default).
    case crop
    /// The whole image resized, changing its aspect ratio.
    case squish
    /// The whole image, padded to the target's aspect ratio, then resized.
    case pad
}

/// A target size `(height, width)` from one side or a pair.
public struct ImageSize: Sendable, Hashable, CustomStringConvertible {
    /// Rows.
    public let height: Int
    /// Columns.
    public let width: Int

    /// A `height × width` size.
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// `(h, w)`, fastai's order.
    public var description: String { "(\(height), \(width))" }

    /// This size, checked for `name` (the transform): positive, and an RGB image of it within the
    /// ``MemoryBudget`` (`Resize(100000)` would need 112 GiB per image).
    func checked(_ name: String) throws(VisionError) -> ImageSize {
        guard height > 0, width > 0 else {
            throw .invalidInput("\(name): size must be positive, got \(self)")
        }
        do {
            try Tensor.validate(shape: [3, height, width])
        } catch {
            throw .invalidInput("\(name) to \(self): \(error)")
        }
        return self
    }
}

/// Applies one output→input map to every image and point of a sample (or batch).
func transformSample(
    _ tensors: inout [Tensor], kinds: [BlockKind], maps: [Homography], size: ImageSize, padMode: PadMode
) {
    for index in kinds.indices {
        switch kinds[index] {
        case .image:
            tensors[index] = resample(
                tensors[index], height: size.height, width: size.width, maps: maps, padMode: padMode)
        case .point: tensors[index] = movePoints(tensors[index], maps: maps)
        default: break
        }
    }
}

/// The `(height, width)` of the first image of a sample (`[C, H, W]`) or batch (`[N, C, H, W]`).
func imageSize(_ tensors: [Tensor], kinds: [BlockKind], transform: String) throws(VisionError) -> ImageSize {
    guard let index = kinds.firstIndex(of: .image), tensors[index].rank >= 3 else {
        throw .invalidInput("\(transform) needs an image in the sample")
    }
    let shape = tensors[index].shape
    return ImageSize(height: shape[shape.count - 2], width: shape[shape.count - 1])
}

/// Resamples an item's images to `size` through the map `makeMap` gives for their input size.
private func resizeItem(
    _ sample: inout [Tensor], kinds: [BlockKind], to size: ImageSize, padMode: PadMode, transform: String,
    _ makeMap: (ImageSize) -> Homography
) throws(VisionError) {
    let target = try size.checked(transform)
    let input = try imageSize(sample, kinds: kinds, transform: transform)
    transformSample(&sample, kinds: kinds, maps: [makeMap(input)], size: target, padMode: padMode)
}

/// Resizes each item to `size` (fastai `Resize`, an item transform of order 1).
///
/// `crop` takes the largest crop with the target's aspect ratio, at a random position in training
/// and in the centre for validation; `squish` resizes the whole image; `pad` pads it (by
/// `padMode`) to the target's aspect ratio. Points move with the pixels. Resampling is bilinear.
public struct Resize: ItemTransform, CustomStringConvertible {
    /// The output size.
    public let size: ImageSize
    /// How the image is fitted.
    public let method: ResizeMethod
    /// How padding is filled.
    public let padMode: PadMode

    /// Resizes to `size × size`.
    public init(_ size: Int, method: ResizeMethod = .crop, padMode: PadMode = .reflection) {
        self.init(ImageSize(height: size, width: size), method: method, padMode: padMode)
    }

    /// Resizes to `(height, width)`.
    public init(_ size: (Int, Int), method: ResizeMethod = .crop, padMode: PadMode = .reflection) {
        self.init(ImageSize(height: size.0, width: size.1), method: method, padMode: padMode)
    }

    /// Resizes to `size`.
    public init(_ size: ImageSize, method: ResizeMethod = .crop, padMode: PadMode = .reflection) {
        self.size = size
        self.method = method
        self.padMode = padMode
    }

    /// fastai's order 1.
    public var order: Int { 1 }

    /// `Resize -- {'size': (h, w), 'method': crop}`.
    public var description: String {
        "Resize -- {'size': \(size), 'method': \(method), 'pad_mode': \(padMode)}"
    }

    /// The crop box `(x, y, width, height)` in input pixels for a `width × height` input.
    func cropBox(width: Int, height: Int, pcts: (Double, Double)) -> (Int, Int, Int, Int) {
        if method == .squish { return (0, 0, width, height) }
        let ratioW = Double(width) / Double(size.width)
        let ratioH = Double(height) / Double(size.height)
        let m = method == .crop ? min(ratioW, ratioH) : max(ratioW, ratioH)
        let cropWidth = Int(m * Double(size.width))
        let cropHeight = Int(m * Double(size.height))
        return (
            Int(pcts.0 * Double(width - cropWidth)), Int(pcts.1 * Double(height - cropHeight)), cropWidth,
            cropHeight
        )
    }

    /// Resizes the sample's images and moves its points.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when there is no image or the size is not positive.
    public func callAsFunction(
        _ sample: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator?
    )
        throws
    {
        try resizeItem(&sample, kinds: kinds, to: size, padMode: padMode, transform: "Resize") { input in
            let pcts = generator.map { ($0.nextDouble(), $0.nextDouble()) } ?? (0.5, 0.5)
            let (x, y, w, h) = cropBox(width: input.width, height: input.height, pcts: pcts)
            return Homography.crop(
                x: Double(x), y: Double(y), width: Double(w), height: Double(h), inputWidth: input.width,
                inputHeight: input.height)
        }
    }
}

/// A random crop of random area and aspect ratio, resized to `size` (fastai `RandomResizedCrop`).
///
/// Training: up to 10 tries draw an area `U(minScale, maxScale)·w·h` and a ratio
/// `exp(U(ln r₀, ln r₁))`; the first crop that fits is taken at a random position; otherwise the
/// centre crop with the ratio clamped to `ratio`. Validation: the whole image squished to
/// `size + xtra` (`xtra = ⌈max(size)·valXtra/8⌉·8`), then the centre `size` (224 → 256 → 224).
public struct RandomResizedCrop: ItemTransform, CustomStringConvertible {
    /// The output size.
    public let size: ImageSize
    /// The smallest fraction of the area kept.
    public let minScale: Double
    /// The range of aspect ratios (width/height).
    public let ratio: (Double, Double)
    /// The extra margin of the validation resize, as a fraction of the size.
    public let valXtra: Double
    /// The largest fraction of the area kept.
    public let maxScale: Double

    /// Crops to `size × size`.
    public init(
        _ size: Int, minScale: Double = 0.08, ratio: (Double, Double) = (3.0 / 4, 4.0 / 3),
        valXtra: Double = 0.14,
        maxScale: Double = 1
    ) {
        self.init(
            ImageSize(height: size, width: size), minScale: minScale, ratio: ratio, valXtra: valXtra,
            maxScale: maxScale)
    }

    /// Crops to `(height, width)`.
    public init(
        _ size: (Int, Int), minScale: Double = 0.08, ratio: (Double, Double) = (3.0 / 4, 4.0 / 3),
        valXtra: Double = 0.14, maxScale: Double = 1
    ) {
        self.init(
            ImageSize(height: size.0, width: size.1), minScale: minScale, ratio: ratio, valXtra: valXtra,
            maxScale: maxScale)
    }

    /// Crops to `size`.
    public init(
        _ size: ImageSize, minScale: Double = 0.08, ratio: (Double, Double) = (3.0 / 4, 4.0 / 3),
        valXtra: Double = 0.14, maxScale: Double = 1
    ) {
        self.size = size
        self.minScale = minScale
        self.ratio = ratio
        self.valXtra = valXtra
        self.maxScale = maxScale
    }

    /// fastai's order 1.
    public var order: Int { 1 }

    /// `RandomResizedCrop -- {'size': (h, w), 'min_scale': …}`.
    public var description: String {
        "RandomResizedCrop -- {'size': \(size), 'min_scale': \(minScale), 'ratio': \(ratio), "
            + "'val_xtra': \(valXtra), 'max_scale': \(maxScale)}"
    }

    /// The output→input map for a `width × height` input (random with a generator, else validation's).
    func map(width: Int, height: Int, generator: TensorCore.Generator?) -> Homography {
        guard let generator else {
            let xtra = Int((Double(max(size.width, size.height)) * valXtra / 8).rounded(.up)) * 8
            let (finalWidth, finalHeight) = (size.width + xtra, size.height + xtra)
            // Squish the whole image to the final size (the identity in normalized coordinates),
            // then take its centre `size`: a whole-pixel crop, so one resampling gives the same pixels.
            return .crop(
                x: Double((finalWidth - size.width) / 2), y: Double((finalHeight - size.height) / 2),
                width: Double(size.width), height: Double(size.height), inputWidth: finalWidth,
                inputHeight: finalHeight)
        }
        let (w, h) = (Double(width), Double(height))
        for _ in 0..<10 {
            let area = (minScale + (maxScale - minScale) * generator.nextDouble()) * w * h
            let logRatio = log(ratio.0) + (log(ratio.1) - log(ratio.0)) * generator.nextDouble()
            let aspect = exp(logRatio)
            let newWidth = Int((area * aspect).squareRoot().rounded())
            let newHeight = Int((area / aspect).squareRoot().rounded())
            if newWidth <= width && newHeight <= height && newWidth > 0 && newHeight > 0 {
                let x = generator.nextInt(in: 0..<(width - newWidth + 1))
                let y = generator.nextInt(in: 0..<(height - newHeight + 1))
                return .crop(
                    x: Double(x), y: Double(y), width: Double(newWidth), height: Double(newHeight),
                    inputWidth: width, inputHeight: height)
            }
        }
        var crop = (width, height)
        if w / h < ratio.0 {
            crop = (width, Int(w / ratio.0))
        } else if w / h > ratio.1 {
            crop = (Int(h * ratio.1), height)
        }
        return .crop(
            x: Double((width - crop.0) / 2), y: Double((height - crop.1) / 2), width: Double(crop.0),
            height: Double(crop.1), inputWidth: width, inputHeight: height)
    }

    /// Crops and resizes the sample's images and moves its points.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when there is no image or the size is not positive.
    public func callAsFunction(
        _ sample: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator?
    )
        throws
    {
        try resizeItem(&sample, kinds: kinds, to: size, padMode: .reflection, transform: "RandomResizedCrop")
        {
            map(width: $0.width, height: $0.height, generator: generator)
        }
    }
}
