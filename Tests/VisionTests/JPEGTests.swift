import Foundation
import Testing
import Training

@testable import Vision

/// JPEG decoding against Pillow's: the fixtures and Pillow's pixels for each come from
/// bench/python/jpeg_fixtures.py (Pillow 13.0.0 with its own libjpeg-turbo 3.2.0; Khru links Debian's
/// libjpeg-turbo 2.1.5).
struct JPEGTests {
    static let folder = Path(
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/jpeg")
            .path)

    /// One entry of the fixtures' manifest.json.
    struct Fixture: Decodable, Sendable, CustomTestStringConvertible {
        let file: String
        let expected: String?
        let pillowMode: String?
        let width: Int?
        let height: Int?
        let pillow: String?

        enum CodingKeys: String, CodingKey {
            case file, expected, width, height, pillow
            case pillowMode = "pillow_mode"
        }

        var testDescription: String { file }
    }

    struct Manifest: Decodable {
        let images: [Fixture]
        let corrupt: [Fixture]
    }

    static let manifest: Manifest? = {
        guard let data = FileManager.default.contents(atPath: (folder / "manifest.json").string) else {
            return nil
        }
        return try? JSONDecoder().decode(Manifest.self, from: data)
    }()
    static let images = manifest?.images ?? []
    static let corrupt = manifest?.corrupt ?? []

    /// The largest difference between two images' samples allowed: none.
    ///
    /// Both sides are libjpeg-turbo (2.1.5 here, 3.2.0 in Pillow's wheel) decoding with the accurate
    /// integer IDCT (`JDCT_ISLOW`) and fancy upsampling, and libjpeg-turbo's README ("Mathematical
    /// Compatibility") says it gives libjpeg v6b's output exactly except with the floating-point IDCT:
    /// measured, every sample of every fixture agrees. Another decoder (another IDCT, libjpeg v8's
    /// DCT-domain upsampling) could differ by a few levels; that is not what this test compares.
    static let tolerance = 0

    @Test func manifestListsTheFixtures() {
        #expect(Self.images.count >= 20)
        #expect(Self.corrupt.count >= 10)
    }

    @Test(arguments: images)
    func decodesAsPillowDoes(fixture: Fixture) throws {
        let expectedName = try #require(fixture.expected)
        let image = try loadImage(Self.folder / fixture.file)
        let expected = try loadImage(Self.folder / expectedName)
        #expect(image.width == fixture.width && image.height == fixture.height)
        #expect(image.mode == expected.mode)
        #expect(image.mode == (fixture.pillowMode == "L" ? .grey : .rgb))
        #expect(image.bitDepth == 8)
        try #require(image.samples.count == expected.samples.count)
        var largest = 0
        for (ours, theirs) in zip(image.samples, expected.samples) {
            largest = max(largest, abs(Int(ours) - Int(theirs)))
        }
        #expect(largest <= Self.tolerance, "largest difference \(largest)")
    }

    @Test(arguments: corrupt)
    func corruptFileIsATypedErrorNamingIt(fixture: Fixture) {
        let path = Self.folder / fixture.file
        #expect {
            _ = try loadImage(path)
        } throws: { error in
            guard case .badImage(let named, let reason) = error as? VisionError else { return false }
            return named == path.string && !reason.isEmpty
        }
    }

    /// The reasons say what is wrong, in the words a reader needs (each checked up to its length).
    @Test(arguments: [
        ("empty", "the file is empty"),
        ("truncated-half", "the file is truncated (libjpeg-turbo: Premature end of JPEG file)"),
        ("truncated-before-end-marker", "the file is truncated (libjpeg-turbo: Premature end of JPEG file)"),
        // libjpeg warns of the end of the file, then stops at the fake end marker it inserted.
        ("truncated-progressive", "the file is truncated (libjpeg-turbo: Invalid component ID 255 in SOS)"),
        ("unknown-marker", "libjpeg-turbo: Unsupported marker type 0x4d"),
        ("zero-width", "libjpeg-turbo: Empty JPEG image (DNL not supported)"),
        ("precision-12", "libjpeg-turbo: Unsupported JPEG data precision 12"),
        ("huge-dimensions", "65000 x 65000 pixels is more than the 178956970 a picture may have"),
        (
            "damaged-scan",
            "the image data is damaged (libjpeg-turbo: Corrupt JPEG data: premature end of data segment)"
        ),
        ("soi-only", "the file holds no image (no frame header before its end)"),
    ])
    func corruptFileReason(name: String, reason: String) {
        let path = Self.folder / "corrupt" / "\(name).jpg"
        #expect {
            _ = try loadImage(path)
        } throws: { error in
            guard case .badImage(let named, let said) = error as? VisionError else { return false }
            return named == path.string && said.hasPrefix(reason)
        }
    }

    /// Every proper prefix of a baseline and of a progressive file is an error (never a half-grey
    /// picture): cut anywhere, even just before the last byte of the end marker.
    @Test(arguments: ["baseline-420.jpg", "progressive-420.jpg", "grey-progressive.jpg", "cmyk.jpg"])
    func everyTruncationIsAnError(file: String) throws {
        let bytes = try #require(FileManager.default.contents(atPath: (Self.folder / file).string))
        var decoded: [Int] = []
        for length in 0..<bytes.count {
            do {
                _ = try Image(data: [UInt8](bytes.prefix(length)), name: file)
                decoded.append(length)
            } catch {
                guard case .badImage(let path, _) = error else {
                    Issue.record("\(file) cut at \(length): \(error)")
                    continue
                }
                #expect(path == file)
            }
        }
        #expect(decoded.isEmpty, "prefixes that decoded: \(decoded)")
    }

    /// Random damage (1 to 8 bytes overwritten, seeded) gives a picture or a typed error, never a crash.
    @Test func randomDamageNeverCrashes() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        var outcomes = (decoded: 0, refused: 0)
        for file in ["baseline-420.jpg", "progressive-444.jpg", "camera-exif-6.jpg", "cmyk.jpg"] {
            let original = try #require(FileManager.default.contents(atPath: (Self.folder / file).string))
            for _ in 0..<250 {
                var bytes = [UInt8](original)
                for _ in 0...next(8) { bytes[next(bytes.count)] = UInt8(next(256)) }
                do {
                    let image = try Image(data: bytes, name: file)
                    #expect(image.samples.count == image.width * image.height * image.mode.channels)
                    outcomes.decoded += 1
                } catch {
                    guard case .badImage(file, _) = error else {
                        Issue.record("\(file): \(error)")
                        continue
                    }
                    outcomes.refused += 1
                }
            }
        }
        #expect(outcomes.decoded + outcomes.refused == 1000)
        #expect(outcomes.refused > 0)
    }

    /// The decoder is chosen by the bytes, not the name: a JPEG saved as `.png` loads as a JPEG (and the
    /// fixtures hold a PNG named `.jpg`).
    @Test func formatComesFromTheBytesNotTheName() throws {
        let temporary = try temporaryFolder()
        let source = Self.folder / "baseline-420.jpg"
        let renamed = temporary / "photo.png"
        try FileManager.default.copyItem(at: source.url, to: renamed.url)
        #expect(try loadImage(renamed) == loadImage(source))
        let bytes = try #require(FileManager.default.contents(atPath: source.string))
        #expect(try Image(data: [UInt8](bytes)) == Image(jpegData: [UInt8](bytes)))
        let gif = temporary / "anim.jpg"
        try Data("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8).write(to: gif.url)
        #expect(
            throws: VisionError.badImage(
                path: gif.string, reason: "a GIF file; Khru decodes PNG and JPEG only")
        ) {
            try loadImage(gif)
        }
    }

    /// `.jpg`, `.jpeg` and `.JPG` files are found, and an ImageBlock turns them into tensors.
    @Test func imageFilesAndImageBlockTakeJPEGs() throws {
        let temporary = try temporaryFolder()
        let names = ["cats/a.jpg", "cats/b.jpeg", "dogs/c.JPG", "dogs/d.png"]
        for (name, fixture) in zip(names, ["baseline-420.jpg", "grey.jpg", "cmyk.jpg", "png-named.jpg"]) {
            try FileManager.default.createDirectory(
                at: (temporary / name).parent.url, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: (Self.folder / fixture).url, to: (temporary / name).url)
        }
        let files = try getImageFiles(temporary)
        #expect(files.map(\.name) == ["a.jpg", "b.jpeg", "c.JPG", "d.png"])
        let rgb = ImageBlock(cls: .rgb)
        let grey = ImageBlock(cls: .grey)
        let colour = try rgb.encode(files[0])
        #expect(colour.shape == [3, 48, 64])
        #expect(colour.scalars == (try loadImage(Self.folder / "baseline-420.png").tensor().scalars))
        #expect(try rgb.encode(files[1]).shape == [3, 30, 40])  // grey JPEG → RGB, as PIL's convert
        #expect(try grey.encode(files[2]).shape == [1, 30, 40])  // CMYK JPEG → grey
    }

    /// EXIF orientation: every value turns the stored 23×15 picture upright as `exif_transpose` does;
    /// 5…8 swap width and height. (The pixels are checked against Pillow's in `decodesAsPillowDoes`.)
    @Test func orientationSwapsTheSidesForFiveToEight() throws {
        for orientation in 1...8 {
            let image = try loadImage(Self.folder / "exif-orientation-\(orientation).jpg")
            let swapped = orientation >= 5
            #expect(image.width == (swapped ? 15 : 23) && image.height == (swapped ? 23 : 15))
        }
    }

    /// The EXIF reader takes the Orientation tag of IFD0 in both byte orders, as SHORT or LONG, and
    /// ignores what is not a TIFF structure.
    @Test func exifOrientationParsing() {
        let little: [UInt8] = [
            0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0,
        ]
        #expect(JPEGCodec.Markers.exifOrientation(little[...]) == 6)
        let big: [UInt8] = [
            0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 4, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 0,
        ]
        #expect(JPEGCodec.Markers.exifOrientation(big[...]) == 3)
        #expect(JPEGCodec.Markers.exifOrientation(Array("not a tiff".utf8)[...]) == nil)
        #expect(JPEGCodec.Markers.exifOrientation(little.prefix(12)) == nil)  // directory cut short
        #expect(
            JPEGCodec.Markers.xmpOrientation(Array(#"<tiff:Orientation>7</tiff:Orientation>"#.utf8)[...]) == 7
        )
        #expect(JPEGCodec.Markers.xmpOrientation(Array(#"tiff:Orientation="3""#.utf8)[...]) == 3)
        #expect(JPEGCodec.Markers.xmpOrientation(Array(#"tiff:Orientation = "3""#.utf8)[...]) == nil)
    }

    /// Pillow's CMYK → RGB, by hand: ink = 255 − sample, nk = 255 − ink(K), R = nk − nk·ink(C)/255.
    @Test func cmykConversionMatchesPillowsFormula() {
        let stored: [UInt8] = [255, 255, 255, 255, 0, 0, 0, 255, 255, 128, 0, 200, 10, 20, 30, 0]
        let rgb = stored.withUnsafeBufferPointer { JPEGCodec.rgb(fromInvertedCMYK: $0, count: 4) }
        // No ink: white. Full C, M, Y: black. K sample 200 → nk 200: C ink 0 → 200, M ink 127 → 100,
        // Y ink 255 → 0. K sample 0: black.
        #expect(rgb == [255, 255, 255, 0, 0, 0, 200, 100, 0, 0, 0, 0])
    }
}
