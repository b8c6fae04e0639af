import Foundation
import Plotting
import TensorCore

/// A decoded picture: 8- or 16-bit samples, grey, grey with alpha, RGB or RGBA (fastai's `PILImage`).
///
/// Samples are interleaved, row by row from the top, `channels` per pixel. A palette PNG decodes to
/// RGB (RGBA when it has transparency), so an image never holds palette indices.
///
/// ```swift
/// let image = try loadImage(path / "train" / "3" / "00001.png")
/// let x = image.converted(to: .rgb).tensor()   // [3, H, W], values 0…255
/// ```
public struct Image: Sendable, Hashable, CustomStringConvertible {
    /// How the samples of one pixel are laid out.
    public enum Mode: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// One grey sample (PIL's `L`).
        case grey = 1
        /// Grey and alpha (PIL's `LA`).
        case greyAlpha = 2
        /// Red, green, blue (PIL's `RGB`).
        case rgb = 3
        /// Red, green, blue, alpha (PIL's `RGBA`).
        case rgba = 4

        /// The number of samples per pixel.
        public var channels: Int { rawValue }
        /// Whether the last sample is alpha.
        public var hasAlpha: Bool { self == .greyAlpha || self == .rgba }
        /// PIL's mode name: `L`, `LA`, `RGB`, `RGBA`.
        public var description: String {
            switch self {
            case .grey: "L"
            case .greyAlpha: "LA"
            case .rgb: "RGB"
            case .rgba: "RGBA"
            }
        }
    }

    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `[height, width]`, as fastai's `PILImage.shape` (a PIL size turned to rows × columns).
    public var shape: [Int] { [height, width] }
    /// The samples of a pixel.
    public let mode: Mode
    /// 8 or 16 bits per sample.
    public let bitDepth: Int
    /// `height × width × channels` samples, each in `0...maxValue`.
    public let samples: [UInt16]

    /// Creates an image from interleaved samples.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the sizes disagree, the bit depth is not 8 or
    ///   16, or a sample exceeds the bit depth's maximum.
    public init(width: Int, height: Int, mode: Mode, bitDepth: Int = 8, samples: [UInt16]) throws(VisionError)
    {
        guard width > 0, height > 0 else {
            throw .invalidInput("an image needs a positive size, got \(width)×\(height)")
        }
        guard bitDepth == 8 || bitDepth == 16 else {
            throw .invalidInput("an image has 8 or 16 bits per sample, got \(bitDepth)")
        }
        guard samples.count == width * height * mode.channels else {
            throw .invalidInput(
                "a \(width)×\(height) \(mode) image needs \(width * height * mode.channels) samples, "
                    + "got \(samples.count)")
        }
        if bitDepth == 8, let big = samples.first(where: { $0 > 255 }) {
            throw .invalidInput("an 8-bit image cannot hold the sample \(big)")
        }
        self.width = width
        self.height = height
        self.mode = mode
        self.bitDepth = bitDepth
        self.samples = samples
    }

    /// Creates an 8-bit image from interleaved bytes.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when the sizes disagree.
    public init(width: Int, height: Int, mode: Mode, bytes: [UInt8]) throws(VisionError) {
        try self.init(width: width, height: height, mode: mode, samples: bytes.map(UInt16.init))
    }

    /// An image from a `[C, H, W]` tensor of values in `0...255` (C = 1 grey, 3 RGB), rounded and clamped.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` for other shapes.
    public init(tensor: Tensor) throws(VisionError) {
        guard tensor.rank == 3, tensor.shape[0] == 1 || tensor.shape[0] == 3 else {
            throw .invalidInput("an image tensor is [1, H, W] or [3, H, W], got \(tensor.shape)")
        }
        let (channels, height, width) = (tensor.shape[0], tensor.shape[1], tensor.shape[2])
        let plane = height * width
        let values = tensor.scalars
        var samples = [UInt16](repeating: 0, count: values.count)
        for index in 0..<plane {
            for channel in 0..<channels {
                let value = values[channel * plane + index]
                samples[index * channels + channel] = UInt16(min(max(value.rounded(), 0), 255))
            }
        }
        try self.init(width: width, height: height, mode: channels == 1 ? .grey : .rgb, samples: samples)
    }

    /// The largest sample value: 255 or 65535.
    public var maxValue: Int { bitDepth == 16 ? 65535 : 255 }

    /// `(width, height)`, as PIL's `size`.
    public var size: (width: Int, height: Int) { (width, height) }

    /// The samples of pixel (`x`, `y`), `x` from the left and `y` from the top.
    public subscript(x: Int, y: Int) -> ArraySlice<UInt16> {
        let start = (y * width + x) * mode.channels
        return samples[start..<start + mode.channels]
    }

    /// `PILImage mode=RGB size=64x48`, as fastai prints an image.
    public var description: String {
        let name = mode == .grey ? "PILImageBW" : "PILImage"
        return "\(name) mode=\(mode) size=\(width)x\(height)"
    }

    /// The image in another mode, as PIL's `convert` does.
    ///
    /// Grey from colour uses ITU-R 601-2 luma, `L = (299·R + 587·G + 114·B) / 1000` (rounded);
    /// dropping alpha keeps the colour samples; adding alpha makes every pixel opaque.
    public func converted(to target: Mode) -> Image {
        guard target != mode else { return self }
        let channels = mode.channels
        let pixelCount = width * height
        let opaque = UInt16(maxValue)
        var output = [UInt16](repeating: 0, count: pixelCount * target.channels)
        for pixel in 0..<pixelCount {
            let base = pixel * channels
            let (red, green, blue): (UInt16, UInt16, UInt16)
            if mode == .grey || mode == .greyAlpha {
                (red, green, blue) = (samples[base], samples[base], samples[base])
            } else {
                (red, green, blue) = (samples[base], samples[base + 1], samples[base + 2])
            }
            let alpha = mode.hasAlpha ? samples[base + channels - 1] : opaque
            let out = pixel * target.channels
            switch target {
            case .grey, .greyAlpha:
                let luma = (299 * Int(red) + 587 * Int(green) + 114 * Int(blue) + 500) / 1000
                output[out] = mode == .grey || mode == .greyAlpha ? red : UInt16(luma)
                if target == .greyAlpha { output[out + 1] = alpha }
            case .rgb, .rgba:
                output[out] = red
                output[out + 1] = green
                output[out + 2] = blue
                if target == .rgba { output[out + 3] = alpha }
            }
        }
        return Image(checkedWidth: width, height: height, mode: target, bitDepth: bitDepth, samples: output)
    }

    /// The image as a `[C, H, W]` float tensor of values in `0...255` (fastai's `ToTensor` of a
    /// `PILImage`); 16-bit samples are scaled by 255/65535, alpha is dropped.
    public func tensor() -> Tensor {
        let colour = mode == .grey || mode == .greyAlpha ? Mode.grey : Mode.rgb
        let source = converted(to: colour)
        let channels = colour.channels
        let plane = width * height
        let scale: Float = bitDepth == 16 ? 255 / 65535 : 1
        var scalars = [Float](repeating: 0, count: plane * channels)
        for index in 0..<plane {
            for channel in 0..<channels {
                scalars[channel * plane + index] = Float(source.samples[index * channels + channel]) * scale
            }
        }
        return Tensor(shape: [channels, height, width], scalars: scalars)
    }

    /// The image as Plotting's picture (8-bit grey or RGB; alpha dropped).
    public var plotImage: PlotImage {
        let colour = mode == .grey || mode == .greyAlpha ? Mode.grey : Mode.rgb
        let source = converted(to: colour)
        let bytes = source.samples.map { UInt8(bitDepth == 16 ? ($0 + 128) / 257 : $0) }
        return colour == .grey
            ? PlotImage(grey: bytes, width: width, height: height)
            : PlotImage(rgb: bytes, width: width, height: height)
    }

    init(checkedWidth width: Int, height: Int, mode: Mode, bitDepth: Int, samples: [UInt16]) {
        self.width = width
        self.height = height
        self.mode = mode
        self.bitDepth = bitDepth
        self.samples = samples
    }
}
