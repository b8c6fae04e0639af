import Foundation
import Testing
import Training

@testable import Vision

struct ImageIOTests {
    /// Every sample value of every channel at least once, with a pattern that differs per channel.
    func pattern(_ mode: Image.Mode, bitDepth: Int) throws -> Image {
        let (width, height) = (7, 5)
        let maximum = bitDepth == 16 ? 65535 : 255
        let count = width * height * mode.channels
        let samples = (0..<count).map { UInt16(($0 * 7919 + $0 / 3) % (maximum + 1)) }
        return try Image(width: width, height: height, mode: mode, bitDepth: bitDepth, samples: samples)
    }

    @Test(arguments: Image.Mode.allCases, [8, 16])
    func roundTripKeepsEverySample(mode: Image.Mode, bitDepth: Int) throws {
        let image = try pattern(mode, bitDepth: bitDepth)
        let bytes = try image.pngData()
        #expect(bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let decoded = try Image(pngData: bytes)
        #expect(decoded == image)
    }

    @Test(arguments: [Image.Mode.grey, .greyAlpha, .rgb, .rgba])
    func paletteRoundTripDecodesToColour(mode: Image.Mode) throws {
        // 6 colours, one of them half transparent when the mode has alpha.
        let colours: [[UInt16]] = [
            [0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30], [200, 100, 50],
        ]
        var samples: [UInt16] = []
        for pixel in 0..<24 {
            let colour = colours[pixel % colours.count]
            let grey = colour[0]
            switch mode {
            case .grey: samples += [grey]
            case .greyAlpha: samples += [grey, pixel % 6 == 5 ? 128 : 255]
            case .rgb: samples += colour
            case .rgba: samples += colour + [pixel % 6 == 5 ? 128 : 255]
            }
        }
        let image = try Image(width: 6, height: 4, mode: mode, samples: samples)
        let bytes = try image.pngData(palette: true)
        #expect(bytes[25] == 3)  // IHDR colour type: palette
        let decoded = try Image(pngData: bytes)
        let expectedMode: Image.Mode = mode.hasAlpha ? .rgba : .rgb
        #expect(decoded.mode == expectedMode)
        #expect(decoded == image.converted(to: expectedMode))
    }

    @Test func corruptAndMissingFilesAreTypedErrorsNamingTheFile() throws {
        let folder = try temporaryFolder()
        let good = try pattern(.rgb, bitDepth: 8).pngData()
        let truncated = folder / "truncated.png"
        try Data(good.prefix(good.count / 2)).write(to: truncated.url)
        #expect {
            _ = try loadImage(truncated)
        } throws: { error in
            guard case .badImage(let path, _) = error as? VisionError else { return false }
            return path == truncated.string
        }
        let text = folder / "notes.png"
        try Data("not a picture".utf8).write(to: text.url)
        #expect(
            throws: VisionError.badImage(path: text.string, reason: "not a PNG or JPEG file (bad signature)")
        ) {
            try loadImage(text)
        }
        #expect(throws: VisionError.missingFile(path: (folder / "nope.png").string)) {
            try loadImage(folder / "nope.png")
        }
        #expect("\(VisionError.badImage(path: "a.png", reason: "x"))".hasPrefix("a.png:"))
    }

    @Test func imageFilesAreSortedRecursiveAndSkipHiddenFolders() throws {
        let folder = try temporaryFolder()
        let image = try pattern(.grey, bitDepth: 8)
        for name in ["b/2.png", "a/10.PNG", "a/1.jpg", ".hidden/x.png", "c/readme.txt", "top.png"] {
            try FileManager.default.createDirectory(
                at: (folder / name).parent.url, withIntermediateDirectories: true)
            try image.save(folder / name)
        }
        let files = try getImageFiles(folder).map {
            $0.string.replacingOccurrences(of: folder.string + "/", with: "")
        }
        #expect(files == ["a/1.jpg", "a/10.PNG", "b/2.png", "top.png"])
        #expect(try getImageFiles(folder, recurse: false).count == 1)
        #expect(try getImageFiles(folder, folders: ["b"]).count == 1)
        #expect(throws: VisionError.missingFile(path: (folder / "missing").string)) {
            try getImageFiles(folder / "missing")
        }
        let empty = folder / "c"
        #expect(throws: VisionError.noImages(folder: empty.string)) { try getImageFiles(empty) }
    }

    @Test func conversionsFollowPIL() throws {
        let rgb = try Image(width: 2, height: 1, mode: .rgb, bytes: [255, 0, 0, 10, 200, 30])
        // L = (299 R + 587 G + 114 B) / 1000, rounded.
        #expect(rgb.converted(to: .grey).samples == [76, 124])
        let tensor = rgb.tensor()
        #expect(tensor.shape == [3, 1, 2])
        #expect(tensor.scalars == [255, 10, 0, 200, 0, 30])
        #expect(try Image(tensor: tensor) == rgb)
        #expect("\(rgb)" == "PILImage mode=RGB size=2x1")
        let deep = try Image(width: 1, height: 1, mode: .grey, bitDepth: 16, samples: [65535])
        #expect(deep.tensor().scalars == [255])
    }
}
