import Foundation
import Training
import Vision

/// The `jpeg` workload: decoding Pets-sized JPEGs, as `PILImage.create` does (read the file, decode,
/// convert to RGB).
///
/// Twin of bench/python/jpeg_decode.py, on the same files: `bench/python/jpeg_fixtures.py --bench DIR`
/// writes 8 photo-like 500×375 pictures in each of four kinds (baseline 4:2:0 at quality 75,
/// progressive 4:2:0, baseline 4:4:4 at quality 90, grey); bench/run makes them in
/// bench/results/jpeg-files. Each repetition decodes every file of a kind `passes` times with
/// ``loadImage(_:)`` then `converted(to: .rgb)` (Pillow: `Image.open(f).convert("RGB")`, which loads);
/// the line gives seconds per image. A second line per kind, `<kind>-decode`, times ``loadImage(_:)``
/// alone (Pillow: `Image.open(f).load()`), the picture in the file's own mode.
func benchJPEG(_ options: BenchOptions, folder: String = "bench/results/jpeg-files") throws {
    let passes = 10
    for kind in ["baseline", "progressive", "444", "grey"] {
        let files = (0..<8).map { Path(folder) / "\(kind)-\($0).jpg" }
        guard files.allSatisfy(\.exists) else {
            emitUnavailable("jpeg", kind, reason: "no files in \(folder) (bench/run makes them)")
            continue
        }
        var pixels = 0
        for file in files { pixels += try loadImage(file).converted(to: .rgb).samples.count / 3 }  // warm-up
        let images = Double(passes * files.count)
        // `<kind>`: decoded and converted to RGB; `<kind>-decode`: decoded only (grey stays grey).
        for (name, convert) in [(kind, true), (kind + "-decode", false)] {
            let best = try bestSeconds(reps: options.reps) {
                for _ in 0..<passes {
                    for file in files {
                        let image = try loadImage(file)
                        if convert { _ = image.converted(to: .rgb) }
                    }
                }
            }
            emit(
                "jpeg", name,
                [
                    "seconds": best / images, "ms_per_image": best / images * 1e3,
                    "megapixels_per_second": Double(pixels * passes) / best / 1e6,
                ])
        }
    }
}
