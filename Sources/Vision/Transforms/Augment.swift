import Foundation
import TensorCore
import Training

/// fastai's data augmentation, per batch on the training set (fastai `aug_transforms`).
///
/// Returns two batch transforms: ``AffineAugment`` (flip, warp, rotate and zoom composed into one
/// map per image and applied in one bilinear resampling with reflection padding, order 30) and
/// ``LightingAugment`` (brightness and contrast in logit space, order 40). Every draw is per
/// image, from the batch's seeded stream. Validation batches are only resized to `size`.
///
/// ```swift
/// let tfms = augTransforms(size: (240, 320)) + [Normalize.fromStats(imagenetStats)]
/// ```
///
/// - Parameters:
///   - size: The output side (nil: keep the input's size).
///   - mult: Scales `maxRotate`, `maxLighting` and `maxWarp`.
///   - doFlip: Horizontal flips with probability 0.5.
///   - flipVert: With `doFlip`, any of the 8 dihedral symmetries instead.
///   - maxRotate: Rotation angle bound in degrees, `U(−maxRotate, maxRotate)`.
///   - minZoom: Smallest zoom factor.
///   - maxZoom: Largest zoom factor.
///   - maxLighting: Brightness and contrast change bound.
///   - maxWarp: Perspective warp magnitude.
///   - pAffine: Probability of each of warp, rotate and zoom, per image.
///   - pLighting: Probability of each of brightness and contrast, per image.
///   - padMode: How pixels from outside the image are filled.
///   - minScale: Below 1, a random square crop of `minScale…1` of the area resized to `size`
///     (``RandomResizedCropGPU``), as fastai's `min_scale`.
/// - Returns: `[AffineAugment, LightingAugment]` (the lighting one only when `maxLighting · mult > 0`),
///   then ``RandomResizedCropGPU`` when `minScale < 1`.
public func augTransforms(
    size: Int? = nil, mult: Double = 1, doFlip: Bool = true, flipVert: Bool = false, maxRotate: Double = 10,
    minZoom: Double = 1, maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2,
    pAffine: Double = 0.75, pLighting: Double = 0.75, padMode: PadMode = .reflection, minScale: Double = 1
) -> [any BatchTransform] {
    augTransforms(
        size: size.map { ImageSize(height: $0, width: $0) }, mult: mult, doFlip: doFlip, flipVert: flipVert,
        maxRotate: maxRotate, minZoom: minZoom, maxZoom: maxZoom, maxLighting: maxLighting, maxWarp: maxWarp,
        pAffine: pAffine, pLighting: pLighting, padMode: padMode, minScale: minScale)
}

/// fastai's data augmentation with a `(height, width)` output size (fastai `aug_transforms(size=(h, w))`).
///
/// See ``augTransforms(size:mult:doFlip:flipVert:maxRotate:minZoom:maxZoom:maxLighting:maxWarp:pAffine:pLighting:padMode:)-(Int?,_,_,_,_,_,_,_,_,_,_,_)``.
public func augTransforms(
    size: (Int, Int), mult: Double = 1, doFlip: Bool = true, flipVert: Bool = false, maxRotate: Double = 10,
    minZoom: Double = 1, maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2,
    pAffine: Double = 0.75, pLighting: Double = 0.75, padMode: PadMode = .reflection, minScale: Double = 1
) -> [any BatchTransform] {
    augTransforms(
        size: ImageSize(height: size.0, width: size.1), mult: mult, doFlip: doFlip, flipVert: flipVert,
        maxRotate: maxRotate, minZoom: minZoom, maxZoom: maxZoom, maxLighting: maxLighting, maxWarp: maxWarp,
        pAffine: pAffine, pLighting: pLighting, padMode: padMode, minScale: minScale)
}

/// The shared body of both `augTransforms`.
///
/// With `minScale` below 1 (fastai's `min_scale`, fastbook's `aug_transforms(size=224, min_scale=0.75)`), the
/// affine part keeps the input's size and a ``RandomResizedCropGPU`` then crops a random square holding
/// `minScale…1` of the image's area and resizes it to `size`, as fastai's `RandomResizedCropGPU`.
public func augTransforms(
    size: ImageSize?, mult: Double = 1, doFlip: Bool = true, flipVert: Bool = false, maxRotate: Double = 10,
    minZoom: Double = 1, maxZoom: Double = 1.1, maxLighting: Double = 0.2, maxWarp: Double = 0.2,
    pAffine: Double = 0.75, pLighting: Double = 0.75, padMode: PadMode = .reflection, minScale: Double = 1
) -> [any BatchTransform] {
    let crops = minScale < 1
    var transforms: [any BatchTransform] = [
        AffineAugment(
            size: crops ? nil : size, doFlip: doFlip, flipVert: flipVert, maxRotate: maxRotate * mult,
            minZoom: minZoom, maxZoom: maxZoom, maxWarp: maxWarp * mult, pAffine: pAffine, padMode: padMode)
    ]
    if maxLighting * mult > 0 {
        transforms.append(LightingAugment(maxLighting: maxLighting * mult, pLighting: pLighting))
    }
    if crops {
        transforms.append(RandomResizedCropGPU(size: size, minScale: max(minScale, 0.01), padMode: padMode))
    }
    return transforms
}

/// A random square crop holding `minScale…1` of each image's area, resized to `size` (fastai's
/// `RandomResizedCropGPU(size, min_scale, ratio=(1, 1))`, which `aug_transforms(min_scale:)` adds; a batch
/// transform, where ``RandomResizedCrop`` is the item one).
///
/// Training: per image, an area fraction `a ~ U(minScale, 1)`, a square of side `√(a·H·W)` (at most the
/// shorter side) at a uniformly random place. Validation: the largest centred square. Points move with
/// the crop.
public struct RandomResizedCropGPU: BatchTransform, CustomStringConvertible {
    /// The output size (nil: the input's).
    public let size: ImageSize?
    /// The smallest share of the image's area a crop keeps.
    public let minScale: Double
    /// How pixels outside the image are filled (a crop never reaches them).
    public let padMode: PadMode

    /// A crop of at least `minScale` of the area, resized to `size`.
    public init(size: ImageSize?, minScale: Double, padMode: PadMode = .reflection) {
        self.size = size
        self.minScale = minScale
        self.padMode = padMode
    }

    /// After the affine augmentations (fastai lists it after them).
    public var order: Int { 31 }
    /// Validation batches get the centred crop.
    public var appliesToValidation: Bool { true }

    /// `RandomResizedCrop -- {…}`.
    public var description: String {
        "RandomResizedCropGPU -- {'size': \(size.map(\.description) ?? "None"), 'min_scale': \(minScale)}"
    }

    /// The output→input map of a square crop of `area` (a share of the image) centred at `(u, v)` in 0…1.
    func map(area: Double, u: Double, v: Double, input: ImageSize) -> Homography {
        let (height, width) = (Double(input.height), Double(input.width))
        let side = min((area * height * width).squareRoot(), min(height, width))
        let (sx, sy) = (side / width, side / height)
        return .affine(sx, 0, (1 - sx) * (2 * u - 1), 0, sy, (1 - sy) * (2 * v - 1))
    }

    /// Validation: the largest centred square.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator
    ) throws {
        try self(&batch, kinds: kinds, generator: generator, isTraining: false)
    }

    /// Draws one crop per image (training), or takes the centred square (validation), and resamples.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the batch has no `[N, C, H, W]` images.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator, isTraining: Bool
    ) throws {
        guard let index = kinds.firstIndex(of: .image), batch[index].rank == 4 else {
            throw VisionError.invalidInput("augTransforms(minScale:) needs a batch of images [N, C, H, W]")
        }
        let input = try imageSize(batch, kinds: kinds, transform: "augTransforms(minScale:)")
        let target = try (size ?? input).checked("augTransforms(minScale:)")
        let maps = (0..<batch[index].shape[0]).map { _ in
            isTraining
                ? map(
                    area: minScale + (1 - minScale) * generator.nextDouble(), u: generator.nextDouble(),
                    v: generator.nextDouble(), input: input)
                : map(area: 1, u: 0.5, v: 0.5, input: input)
        }
        transformSample(&batch, kinds: kinds, maps: maps, size: target, padMode: padMode)
    }
}

/// Flip, warp, rotation and zoom composed into one map per image and applied in one resampling
/// (fastai's `Flip`/`Dihedral`, `Warp`, `Rotate` and `Zoom` merged into one `AffineCoordTfm`, order 30).
///
/// Per image: the flip matrix `F` (x negated with probability 0.5, or one of 8 dihedral
/// symmetries), the rotation `R` (θ ~ U(−maxRotate°, maxRotate°)), the zoom
/// `Z = [[s, 0, (1−s)(2cₓ−1)], [0, s, (1−s)(2c_y−1)]]` (s = 1/U(minZoom, maxZoom), c ~ U(0, 1)²),
/// each of R, Z and the perspective warp `W` (corner offsets ~ U(−maxWarp, maxWarp)) with
/// probability `pAffine`; output coordinates sample the input at `W(F·R·Z·p)`. Points move through
/// the inverse map. Validation batches are only resized to `size`.
public struct AffineAugment: BatchTransform, CustomStringConvertible {
    /// The output size (nil: the input's).
    public let size: ImageSize?
    /// Whether images may be flipped.
    public let doFlip: Bool
    /// Whether flips include the vertical ones (the 8 dihedral symmetries).
    public let flipVert: Bool
    /// The largest rotation, in degrees.
    public let maxRotate: Double
    /// The smallest zoom.
    public let minZoom: Double
    /// The largest zoom.
    public let maxZoom: Double
    /// The warp magnitude.
    public let maxWarp: Double
    /// The probability of each of warp, rotation and zoom.
    public let pAffine: Double
    /// How pixels from outside the image are filled.
    public let padMode: PadMode

    /// Creates the transform with fastai's defaults.
    public init(
        size: ImageSize? = nil, doFlip: Bool = true, flipVert: Bool = false, maxRotate: Double = 10,
        minZoom: Double = 1, maxZoom: Double = 1.1, maxWarp: Double = 0.2, pAffine: Double = 0.75,
        padMode: PadMode = .reflection
    ) {
        self.size = size
        self.doFlip = doFlip
        self.flipVert = flipVert
        self.maxRotate = maxRotate
        self.minZoom = minZoom
        self.maxZoom = maxZoom
        self.maxWarp = maxWarp
        self.pAffine = pAffine
        self.padMode = padMode
    }

    /// fastai's order 30.
    public var order: Int { 30 }
    /// Validation batches are resized to `size` (with the identity map).
    public var appliesToValidation: Bool { true }

    /// `AffineAugment -- {…}`.
    public var description: String {
        "AffineAugment -- {'size': \(size.map(\.description) ?? "None"), 'do_flip': \(doFlip), "
            + "'flip_vert': \(flipVert), 'max_rotate': \(maxRotate), 'min_zoom': \(minZoom), "
            + "'max_zoom': \(maxZoom), 'max_warp': \(maxWarp), 'p_affine': \(pAffine), 'pad_mode': \(padMode)}"
    }

    /// One output→input map, drawn from `generator`.
    func drawMap(_ generator: TensorCore.Generator) -> Homography {
        var flip = Homography.identity
        if doFlip {
            if flipVert {
                if generator.nextDouble() < 0.5 {
                    let k = generator.nextInt(in: 0..<8)
                    let sx: Double = k & 1 == 1 ? -1 : 1
                    let sy: Double = k & 2 == 2 ? -1 : 1
                    flip = k & 4 == 4 ? .affine(0, sx, 0, sy, 0, 0) : .affine(sx, 0, 0, 0, sy, 0)
                }
            } else if generator.nextDouble() < 0.5 {
                flip = .affine(-1, 0, 0, 0, 1, 0)
            }
        }
        var warp = Homography.identity
        if maxWarp > 0, generator.nextDouble() < pAffine {
            let xt = (2 * generator.nextDouble() - 1) * maxWarp
            let yt = (2 * generator.nextDouble() - 1) * maxWarp
            warp = .perspective(
                from: [(-1, -1), (-1, 1), (1, -1), (1, 1)],
                to: [(-1 - yt, -1 - xt), (-1 + yt, 1 + xt), (1 + yt, -1 + xt), (1 - yt, 1 - xt)])
        }
        var rotate = Homography.identity
        if maxRotate > 0, generator.nextDouble() < pAffine {
            let theta = (2 * generator.nextDouble() - 1) * maxRotate * Double.pi / 180
            rotate = .affine(cos(theta), -sin(theta), 0, sin(theta), cos(theta), 0)
        }
        var zoom = Homography.identity
        if minZoom < 1 || maxZoom > 1, generator.nextDouble() < pAffine {
            let s = 1 / (minZoom + (maxZoom - minZoom) * generator.nextDouble())
            let cx = generator.nextDouble()
            let cy = generator.nextDouble()
            zoom = .affine(s, 0, (1 - s) * (2 * cx - 1), 0, s, (1 - s) * (2 * cy - 1))
        }
        return warp * (flip * rotate * zoom)
    }

    /// Validation: resize only.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator
    )
        throws
    {
        try self(&batch, kinds: kinds, generator: generator, isTraining: false)
    }

    /// Draws one map per image (training) and resamples images and moves points through it.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the batch has no `[N, C, H, W]` images.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator, isTraining: Bool
    ) throws {
        guard let index = kinds.firstIndex(of: .image), batch[index].rank == 4 else {
            throw VisionError.invalidInput("augTransforms needs a batch of images [N, C, H, W]")
        }
        let input = try imageSize(batch, kinds: kinds, transform: "augTransforms")
        let target = try (size ?? input).checked("augTransforms")
        guard isTraining else {
            if target != input {
                transformSample(&batch, kinds: kinds, maps: [.identity], size: target, padMode: padMode)
            }
            return
        }
        let maps = (0..<batch[index].shape[0]).map { _ in drawMap(generator) }
        transformSample(&batch, kinds: kinds, maps: maps, size: target, padMode: padMode)
    }
}

/// Brightness and contrast in logit space (fastai's `Brightness` and `Contrast` merged, order 40).
///
/// Per image, with probability `pLighting` each: brightness `b ~ U(0.5(1−m), 0.5(1+m))` (else 0.5)
/// and contrast `c = exp(U(ln(1−m), −ln(1−m)))` (else 1); each pixel becomes
/// `σ((logit(x) + logit(b))·c)`, with `x` clamped to [1e−7, 1 − 1e−7]. Training only.
public struct LightingAugment: BatchTransform, CustomStringConvertible {
    /// The bound `m` of the changes.
    public let maxLighting: Double
    /// The probability of each of brightness and contrast.
    public let pLighting: Double

    /// Creates the transform with fastai's defaults.
    public init(maxLighting: Double = 0.2, pLighting: Double = 0.75) {
        self.maxLighting = maxLighting
        self.pLighting = pLighting
    }

    /// fastai's order 40.
    public var order: Int { 40 }
    /// Training only.
    public var appliesToValidation: Bool { false }

    /// `LightingAugment -- {…}`.
    public var description: String {
        "LightingAugment -- {'max_lighting': \(maxLighting), 'p_lighting': \(pLighting)}"
    }

    /// Changes each image's brightness and contrast.
    public func callAsFunction(
        _ batch: inout [Tensor], kinds: [BlockKind], generator: TensorCore.Generator
    )
        throws
    {
        for index in kinds.indices where kinds[index] == .image && batch[index].rank == 4 {
            let count = batch[index].shape[0]
            let perImage = batch[index].count / max(count, 1)
            var scalars = batch[index].scalars
            for image in 0..<count {
                var brightness = 0.5
                if generator.nextDouble() < pLighting {
                    brightness = 0.5 * (1 - maxLighting) + maxLighting * generator.nextDouble()
                }
                var contrast = 1.0
                if generator.nextDouble() < pLighting {
                    let bound = -log(1 - maxLighting)
                    contrast = exp((2 * generator.nextDouble() - 1) * bound)
                }
                let shift = Float(log(brightness / (1 - brightness)))
                let scale = Float(contrast)
                for offset in image * perImage..<(image + 1) * perImage {
                    let x = min(max(scalars[offset], 1e-7), 1 - 1e-7)
                    let logit = log(x / (1 - x))
                    scalars[offset] = 1 / (1 + exp(-(logit + shift) * scale))
                }
            }
            batch[index] = Tensor(shape: batch[index].shape, scalars: scalars)
        }
    }
}
