import Foundation
import Plotting

/// Deterministic test data: fastai's synthetic lr-finder curve and procedurally drawn pictures.
enum Fixtures {
    /// fastai's default lr-finder schedule: lr_i = 1e-7 · (1e8)^(i/100), i = 0…99.
    static let lrs: [Double] = (0..<100).map { 1e-7 * pow(1e8, Double($0) / 100) }

    /// The synthetic loss of the fastai-semantics verification vector.
    static let losses: [Double] = lrs.map { lr in
        let x = log10(lr)
        return 2.5 - 1.5 / (1 + exp(-2 * (x + 3))) + 0.3 * exp(4 * (x + 0.5))
    }

    /// A 28×28 grey ring whose radius depends on `seed` (white on black, like OpenCV digits).
    static func ring(_ seed: Int) -> PlotImage {
        let radius = 6 + Double(seed % 5)
        var pixels = [UInt8](repeating: 0, count: 28 * 28)
        for y in 0..<28 {
            for x in 0..<28 {
                let d = ((Double(x) - 13.5) * (Double(x) - 13.5) + (Double(y) - 13.5) * (Double(y) - 13.5))
                    .squareRoot()
                let v = max(0, 1 - abs(d - radius) / 2.5)
                pixels[y * 28 + x] = UInt8((v * 255).rounded())
            }
        }
        return PlotImage(grey: pixels, width: 28, height: 28)
    }

    /// A 40×30 RGB gradient picture, as Float in [0, 1].
    static func gradient(_ seed: Int) -> PlotImage {
        var pixels: [Float] = []
        for y in 0..<30 {
            for x in 0..<40 {
                pixels.append(Float(x) / 39)
                pixels.append(Float(y) / 29)
                pixels.append(Float((seed * 37) % 100) / 100)
            }
        }
        return PlotImage(rgb: pixels, width: 40, height: 30)
    }
}
