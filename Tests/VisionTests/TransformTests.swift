import Foundation
import TensorCore
import Testing
import Training

@testable import Vision

/// A marked pixel and its `PointBlock` coordinate must agree after every geometric transform.
struct TransformGeometryTests {
    let kinds: [BlockKind] = [.image, .point]

    /// A 40×30 image with a blob at (`x`, `y`) and its point, scaled by `PointScaler` as a dataset does.
    func sample(x: Double = 13.5, y: Double = 9.5, width: Int = 40, height: Int = 30) throws -> [Tensor] {
        var tensors = [
            blobImage(width: width, height: height, x: x, y: y),
            Tensor(shape: [1, 2], scalars: [Float(x), Float(y)]),
        ]
        try PointScaler()(&tensors, kinds: kinds, generator: nil)
        return tensors
    }

    /// The blob's centre and the point's position (in pixels of the output) agree within half a pixel.
    func expectAgreement(_ tensors: [Tensor], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let image = try tensors[0].rank == 4 ? tensors[0][0] : tensors[0]
        let point = try tensors[1].rank == 3 ? tensors[1][0] : tensors[1]
        let (width, height) = (image.shape[2], image.shape[1])
        let blob = centroid(image)
        let marked = pixels(point, width: width, height: height)
        let distance = max(abs(blob.x - marked.x), abs(blob.y - marked.y))
        #expect(distance < 0.5, "blob at \(blob), point at \(marked)", sourceLocation: sourceLocation)
    }

    @Test func pointScalerMapsPixelsToMinusOneOne() throws {
        let tensors = try sample(x: 10, y: 30)
        #expect(tensors[1].scalars == [-0.5, 1])  // 10·2/40 − 1, 30·2/30 − 1
        var outside = [
            blobImage(width: 40, height: 30, x: 1, y: 1), Tensor(shape: [1, 2], scalars: [41, 3]),
        ]
        #expect(throws: VisionError.pointOutsideImage(item: "", point: [41, 3], width: 40, height: 30)) {
            try PointScaler()(&outside, kinds: kinds, generator: nil)
        }
    }

    @Test(arguments: [ResizeMethod.crop, .squish, .pad])
    func resizeMovesPointsWithPixels(method: ResizeMethod) throws {
        for seed: UInt64? in [nil, 1, 2, 3] {
            var tensors = try sample()
            try Resize((24, 36), method: method)(
                &tensors, kinds: kinds, generator: seed.map { Generator(seed: $0) })
            #expect(tensors[0].shape == [1, 24, 36])
            try expectAgreement(tensors)
        }
    }

    @Test func resizeCropIsCentredForValidation() throws {
        // 40×30 to 20×20: the largest square crop is 30×30, centred at x 5…35 for validation.
        #expect(Resize(20).cropBox(width: 40, height: 30, pcts: (0.5, 0.5)) == (5, 0, 30, 30))
        #expect(Resize(20, method: .pad).cropBox(width: 40, height: 30, pcts: (0.5, 0.5)) == (0, -5, 40, 40))
        #expect(
            Resize(20, method: .squish).cropBox(width: 40, height: 30, pcts: (0.2, 0.9)) == (0, 0, 40, 30))
    }

    @Test func randomResizedCropMovesPointsWithPixels() throws {
        for seed: UInt64 in 1...6 {
            var tensors = try sample(x: 20.5, y: 15.5)
            try RandomResizedCrop(16, minScale: 0.35)(
                &tensors, kinds: kinds, generator: Generator(seed: seed))
            #expect(tensors[0].shape == [1, 16, 16])
            let point = pixels(tensors[1], width: 16, height: 16)
            // The crop may cut the blob off; check only crops that keep it whole.
            if point.x > 3, point.x < 13, point.y > 3, point.y < 13 { try expectAgreement(tensors) }
        }
    }

    @Test func randomResizedCropValidationIsACentreCrop() throws {
        // fastai: xtra = ceil(max(size)·0.14/8)·8, so 128 → 152 → 128 and 16 → 24 → 16.
        let image = Tensor(shape: [1, 30, 40], scalars: (0..<1200).map { Float($0 % 97) })
        var tensors = [image]
        try RandomResizedCrop(16)(&tensors, kinds: [.image], generator: nil)
        var squished = [image]
        try Resize(24, method: .squish)(&squished, kinds: [.image], generator: nil)
        let centre = squished[0].slice(axis: 1, 4..<20).slice(axis: 2, 4..<20)
        #expect(tensors[0].shape == [1, 16, 16])
        #expect(zip(tensors[0].scalars, centre.scalars).allSatisfy { abs($0 - $1) < 1e-3 })
        let big = RandomResizedCrop(128).map(width: 500, height: 375, generator: nil)
        // 152 − 128 = 24, so the centre crop starts at pixel 12 of the 152-pixel squish.
        #expect(abs(big.apply(-1, -1).x - (2.0 * 12 / 152 - 1)) < 1e-12)
    }

    func augment(
        doFlip: Bool = false, maxRotate: Double = 0, minZoom: Double = 1, maxZoom: Double = 1,
        maxWarp: Double = 0
    ) -> AffineAugment {
        AffineAugment(
            doFlip: doFlip, maxRotate: maxRotate, minZoom: minZoom, maxZoom: maxZoom, maxWarp: maxWarp,
            pAffine: 1)
    }

    @Test(arguments: ["flip", "rotate", "zoom", "warp", "all"])
    func affineAugmentMovesPointsWithPixels(kind: String) throws {
        let transform: AffineAugment
        switch kind {
        case "flip": transform = augment(doFlip: true)
        case "rotate": transform = augment(maxRotate: 30)
        case "zoom": transform = augment(minZoom: 1.2, maxZoom: 1.5)
        case "warp": transform = augment(maxWarp: 0.3)
        default: transform = AffineAugment(size: ImageSize(height: 20, width: 24), pAffine: 1)
        }
        for seed: UInt64 in 1...8 {
            let single = try sample(x: 18.5, y: 14.5)
            var batch = [Tensor.stack([single[0]]), Tensor.stack([single[1]])]
            try transform(&batch, kinds: kinds, generator: Generator(seed: seed), isTraining: true)
            try expectAgreement(batch)
        }
    }

    @Test func minScaleCropsASquareOfAtLeastThatAreaAndMovesPointsWithIt() throws {
        let crop = RandomResizedCropGPU(size: ImageSize(height: 16, width: 16), minScale: 0.5)
        // A quarter of the area of a 40×30 image is a square of side √300 ≈ 17.3 pixels.
        let quarter = crop.map(area: 0.25, u: 0, v: 0, input: ImageSize(height: 30, width: 40))
        let side = (0.25 * 30 * 40).squareRoot()
        #expect(abs(quarter.m[0] - side / 40) < 1e-12 && abs(quarter.m[4] - side / 30) < 1e-12)
        #expect(abs(quarter.m[2] - (side / 40 - 1)) < 1e-12, "u = 0 puts the crop at the left edge")
        for seed: UInt64 in 1...8 {
            let single = try sample(x: 20.5, y: 14.5)
            var batch = [Tensor.stack([single[0]]), Tensor.stack([single[1]])]
            try crop(&batch, kinds: kinds, generator: Generator(seed: seed), isTraining: true)
            #expect(batch[0].shape == [1, 1, 16, 16])
            try expectAgreement(batch)
        }
        // Validation: the largest centred square, resized.
        let single = try sample(x: 20.5, y: 14.5)
        var batch = [Tensor.stack([single[0]]), Tensor.stack([single[1]])]
        try crop(&batch, kinds: kinds, generator: Generator(seed: 1), isTraining: false)
        #expect(batch[0].shape == [1, 1, 16, 16])
        try expectAgreement(batch)
        // fastbook's augTransforms(size: 224, minScale: 0.75): the affine part keeps the size, the crop sets it.
        let transforms = augTransforms(size: 16, minScale: 0.75)
        #expect((transforms.first as? AffineAugment)?.size == nil)
        #expect((transforms.last as? RandomResizedCropGPU)?.minScale == 0.75)
        #expect(augTransforms(size: 16).contains { $0 is RandomResizedCropGPU } == false)
    }

    @Test func flipMirrorsExactly() throws {
        let single = try sample(x: 5.5, y: 7.5)
        var batch = [Tensor.stack([single[0]]), Tensor.stack([single[1]])]
        // Find a seed whose draw flips: the image then equals the mirrored input, pixel for pixel.
        let flip = augment(doFlip: true)
        for seed: UInt64 in 1...20 {
            var trial = batch
            try flip(&trial, kinds: kinds, generator: Generator(seed: seed), isTraining: true)
            if trial[1].scalars[0] > 0 {
                let mirrored = blobImage(width: 40, height: 30, x: 40 - 5.5, y: 7.5)
                #expect(zip(trial[0].scalars, mirrored.scalars).allSatisfy { abs($0 - $1) < 1e-3 })
                #expect(abs(trial[1].scalars[0] - (2 * 34.5 / 40 - 1)) < 1e-6)
                batch = trial
                break
            }
        }
        #expect(batch[1].scalars[0] > 0, "no seed in 1…20 flipped")
    }

    @Test func validationOnlyResizes() throws {
        let single = try sample()
        var batch = [Tensor.stack([single[0]]), Tensor.stack([single[1]])]
        let original = batch
        try AffineAugment(pAffine: 1)(&batch, kinds: kinds, generator: Generator(seed: 1), isTraining: false)
        #expect(batch[0] == original[0] && batch[1] == original[1])
        try AffineAugment(size: ImageSize(height: 15, width: 20))(
            &batch, kinds: kinds, generator: Generator(seed: 1), isTraining: false)
        #expect(batch[0].shape == [1, 1, 15, 20])
        try expectAgreement(batch)
    }

    @Test func reflectionPaddingMirrorsTheEdge() {
        // Shifting right by half the width samples x < 0, which reflects to the columns at the left edge.
        let row = Tensor(shape: [1, 1, 4], scalars: [10, 20, 30, 40])
        let shifted = resample(
            row, height: 1, width: 4, maps: [.affine(1, 0, -1, 0, 1, 0)], padMode: .reflection)
        #expect(shifted.scalars == [20, 10, 10, 20])
        let zeros = resample(row, height: 1, width: 4, maps: [.affine(1, 0, -1, 0, 1, 0)], padMode: .zeros)
        #expect(zeros.scalars == [0, 0, 10, 20])
    }
}

struct AugmentationDefaultsTests {
    @Test func augTransformsDefaultsAreFastai() throws {
        let tfms = augTransforms()
        #expect(tfms.count == 2)
        let affine = try #require(tfms[0] as? AffineAugment)
        let lighting = try #require(tfms[1] as? LightingAugment)
        #expect(affine.doFlip && !affine.flipVert)
        #expect(affine.maxRotate == 10 && affine.minZoom == 1 && affine.maxZoom == 1.1)
        #expect(affine.maxWarp == 0.2 && affine.pAffine == 0.75 && affine.padMode == .reflection)
        #expect(affine.size == nil && affine.order == 30 && affine.appliesToValidation)
        #expect(lighting.maxLighting == 0.2 && lighting.pLighting == 0.75)
        #expect(lighting.order == 40 && !lighting.appliesToValidation)
        // mult scales rotation, lighting and warp; size is (h, w).
        let doubled = augTransforms(size: (240, 320), mult: 2)
        let scaled = try #require(doubled[0] as? AffineAugment)
        #expect(
            scaled.maxRotate == 20 && scaled.maxWarp == 0.4
                && scaled.size == ImageSize(height: 240, width: 320))
        #expect((doubled[1] as? LightingAugment)?.maxLighting == 0.4)
        #expect((augTransforms(size: 64)[0] as? AffineAugment)?.size == ImageSize(height: 64, width: 64))
        #expect(augTransforms(maxLighting: 0).count == 1)
    }

    @Test func otherDefaultsAreFastai() {
        let crop = RandomResizedCrop(128)
        #expect(
            crop.minScale == 0.08 && crop.ratio == (0.75, 4.0 / 3) && crop.valXtra == 0.14
                && crop.maxScale == 1)
        let resize = Resize(224)
        #expect(resize.method == .crop && resize.padMode == .reflection && resize.order == 1)
        #expect(IntToFloatTensor().div == 255 && IntToFloatTensor().order == 10)
        #expect(ilsvrcStats.mean == [0.485, 0.456, 0.406] && ilsvrcStats.std == [0.229, 0.224, 0.225])
        let normalize = Normalize.fromStats(imagenetStats)
        #expect(normalize.order == 99 && normalize.mean == fashionMNISTStats.mean)
    }

    @Test func lightingStaysInLogitSpaceBounds() throws {
        let images = Tensor(shape: [4, 1, 2, 2], scalars: (0..<16).map { Float($0) / 15 })
        var batch = [images]
        try LightingAugment(maxLighting: 0.2, pLighting: 1)(
            &batch, kinds: [.image], generator: Generator(seed: 3))
        #expect(batch[0].scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(zip(batch[0].scalars, images.scalars).contains { abs($0 - $1) > 0.01 })
        // With p = 0 nothing changes except the [1e-7, 1 − 1e-7] clamp.
        var unchanged = [images]
        try LightingAugment(pLighting: 0)(&unchanged, kinds: [.image], generator: Generator(seed: 3))
        #expect(zip(unchanged[0].scalars, images.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func normalizeRoundTripsAndChecksChannels() throws {
        let images = Tensor(shape: [1, 3, 1, 2], scalars: [0.5, 0.6, 0.2, 0.3, 0.9, 1])
        var batch = [images]
        try Normalize.fromStats(ilsvrcStats)(&batch, kinds: [.image], generator: Generator(seed: 0))
        #expect(abs(batch[0].scalars[0] - (0.5 - 0.485) / 0.229) < 1e-6)
        let back = try Normalize.fromStats(ilsvrcStats).apply(batch[0], inverse: true)
        #expect(zip(back.scalars, images.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
        var grey = [Tensor.zeros([1, 2, 1, 1])]
        #expect(throws: VisionError.self) {
            try Normalize.fromStats(ilsvrcStats)(&grey, kinds: [.image], generator: Generator(seed: 0))
        }
    }
}
