import Testing
import Training

@testable import Vision

/// fastai's `to_thumb` is PIL's `thumbnail`; the sizes below are Pillow 11's for the same calls.
@Suite struct ThumbnailTests {
    static func grey(_ width: Int, _ height: Int, value: UInt16 = 200) throws -> Image {
        try Image(
            width: width, height: height, mode: .grey, samples: Array(repeating: value, count: width * height)
        )
    }

    @Test(arguments: [
        (96, 72, 160, 160, 96, 72), (200, 100, 50, 50, 50, 25), (100, 200, 50, 50, 25, 50),
        (640, 480, 160, 160, 160, 120), (7, 3, 2, 2, 2, 1), (3, 1000, 10, 10, 1, 10),
        (1000, 3, 10, 10, 10, 1),
    ])
    func sizesArePillows(
        width: Int, height: Int, boundWidth: Int, boundHeight: Int, expectedWidth: Int, expectedHeight: Int
    ) throws {
        let thumb = try Self.grey(width, height).toThumb(boundHeight, width: boundWidth)
        #expect(thumb.width == expectedWidth && thumb.height == expectedHeight)
    }

    @Test func aPictureThatFitsIsUnchangedAndAResampledOneKeepsItsValues() throws {
        let frame = try Self.grey(96, 72, value: 37)
        #expect(try frame.toThumb(160) == frame)
        // A uniform picture stays uniform through bilinear resampling.
        let thumb = try Self.grey(640, 480).toThumb(160)
        #expect(thumb.shape == [120, 160] && thumb.samples.allSatisfy { $0 == 200 })
        #expect(throws: VisionError.self) { try frame.toThumb(0) }
    }
}
