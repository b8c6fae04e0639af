import Foundation
import Training

extension Image {
    /// The size PIL's `Image.thumbnail((width, height))` gives an image of `size`: unchanged when it fits
    /// already; otherwise the aspect ratio is kept, the side that limits is set to its bound and the other
    /// is rounded (down or up, whichever keeps the ratio closer), at least 1.
    static func thumbnailSize(
        of size: (width: Int, height: Int), within bounds: (width: Int, height: Int)
    ) -> (width: Int, height: Int) {
        var (x, y) = bounds
        if x >= size.width && y >= size.height { return size }
        let aspect = Double(size.width) / Double(size.height)
        func roundAspect(_ number: Double, _ distance: (Int) -> Double) -> Int {
            let (low, high) = (Int(number.rounded(.down)), Int(number.rounded(.up)))
            return max(distance(high) < distance(low) ? high : low, 1)
        }
        if Double(x) / Double(y) >= aspect {
            x = roundAspect(Double(y) * aspect) { abs(aspect - Double($0) / Double(y)) }
        } else {
            y = roundAspect(Double(x) / aspect) { $0 == 0 ? 0 : abs(aspect - Double(x) / Double($0)) }
        }
        return (x, y)
    }

    /// A copy that fits in `height × (width ?? height)`, the aspect ratio kept (fastai's
    /// `PILImage.to_thumb(h, w)`, `w` as `width:`, PIL's `thumbnail`): an image that fits already is returned as it is;
    /// a larger one is resampled bilinearly.
    ///
    /// - Throws: ``VisionError/invalidInput(_:)`` when a bound is not positive.
    public func toThumb(_ height: Int, width: Int? = nil) throws(VisionError) -> Image {
        let bound = (width: width ?? height, height: height)
        guard bound.width > 0, bound.height > 0 else {
            throw .invalidInput("toThumb needs a positive size, not \(bound.height)×\(bound.width)")
        }
        let target = Self.thumbnailSize(of: (self.width, self.height), within: bound)
        if target == (self.width, self.height) { return self }
        let map = Homography.crop(
            x: 0, y: 0, width: Double(self.width), height: Double(self.height), inputWidth: self.width,
            inputHeight: self.height)
        let resized = resample(
            tensor(), height: target.height, width: target.width, maps: [map], padMode: .border)
        return try Image(tensor: resized)
    }
}

/// fastai's `PILImage`, as fastbook opens a picture: `PILImage.create(path)` is an ``Image``.
public enum PILImage {
    /// The picture in the PNG or JPEG file at `path` (fastai's `PILImage.create(fn)`).
    ///
    /// - Throws: ``VisionError`` when the file is missing or not a picture Khru reads.
    public static func create(_ path: Path) throws(VisionError) -> Image { try loadImage(path) }
}
