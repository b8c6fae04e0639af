import Foundation
import TensorCore
import Training

extension DataSource {
    /// The course's head-pose set (its "Biwi Kinect Head Pose"), generated in Biwi's layout: subject
    /// folders `01`…`24`, frames `frame_00003_rgb.png` (96×72 RGB) with `frame_00003_pose.txt`
    /// (3×3 rotation, a blank line, the translation in mm), and `rgb.cal` per subject (3×3
    /// intrinsics first), so the seed's `img2pose` and `get_ctr` give each head's true pixel centre.
    public static let headPose = DataSource("head-pose") { folder in try HeadPose.prepare(in: folder) }
}

/// A head-like object moving smoothly in 3-D over a textured background, drawn where its
/// translation projects through the camera's intrinsics.
///
/// The camera is Biwi's RGB camera scaled from 640×480 to 96×72 (`fx = fy = 517.679·0.15`,
/// `cx = 48`, `cy = 36.075`). In frame `t` of subject `s` the head's centre is at
/// `X = a·sin(ωₓt + φ)`, `Y = b·sin(ω_y t + ψ)` and `Z = 1000 + 180·sin(ω_z t + χ)` mm (amplitudes
/// chosen so the head stays in view) and turns by smooth yaw, pitch and roll; it is an ellipse of
/// 180×230 mm, so its pixel centre is `(X·fx/Z + cx, Y·fy/Z + cy)` — exactly `get_ctr`.
public enum HeadPose {
    /// Frame width in pixels.
    public static let width = 96
    /// Frame height in pixels.
    public static let height = 72
    /// Subjects `01`…`24`.
    public static let subjectCount = 24
    /// Frames per subject.
    public static let framesPerSubject = 40
    /// The number of the first frame (as in Biwi's folders).
    public static let firstFrame = 3
    /// The camera intrinsics `(fx, fy, cx, cy)`.
    public static let intrinsics = (fx: 517.679 * 0.15, fy: 517.679 * 0.15, cx: 48.0, cy: 36.075)
    static let version = "head-pose 2"

    /// One generated frame: its image file and the head's true centre in pixels.
    public struct Frame: Sendable {
        /// The `frame_NNNNN_rgb.png` file.
        public let image: Path
        /// The head's centre `(x, y)` in pixels (x from the left edge, y from the top).
        public let center: (x: Double, y: Double)
    }

    /// Makes sure `folder` holds all subjects; a prepared folder is left alone ("nothing to do").
    ///
    /// - Throws: ``VisionError`` when a file cannot be written.
    public static func prepare(in folder: Path) throws(VisionError) {
        try Preparation.once(folder, dataset: "head-pose", version: version) { () throws(VisionError) in
            var written: [Preparation.Entry] = []
            _ = try generate(
                into: folder, subjects: subjectCount, frames: framesPerSubject, written: &written)
            return written
        }
    }

    /// Writes `subjects` subject folders of `frames` frames each and returns every frame's true centre.
    public static func generate(into folder: Path, subjects: Int, frames: Int) throws(VisionError) -> [Frame]
    {
        var written: [Preparation.Entry] = []
        return try generate(into: folder, subjects: subjects, frames: frames, written: &written)
    }

    static func generate(
        into folder: Path, subjects: Int, frames: Int,
        written: inout [Preparation.Entry]
    ) throws(VisionError) -> [Frame] {
        var result: [Frame] = []
        for subject in 1...max(subjects, 1) {
            let name = String(format: "%02d", subject)
            written.append(try Preparation.writeText(calibration, folder: folder, name: "\(name)/rgb.cal"))
            let background = self.background(subject: subject)
            for step in 0..<frames {
                let pose = self.pose(subject: subject, frame: step)
                let frameName = String(format: "frame_%05d", firstFrame + step)
                let pixels = render(pose: pose, over: background)
                let image = try Image(width: width, height: height, mode: .rgb, bytes: pixels)
                written.append(
                    try Preparation.writePNG(image, folder: folder, name: "\(name)/\(frameName)_rgb.png"))
                written.append(
                    try Preparation.writeText(
                        poseText(pose), folder: folder, name: "\(name)/\(frameName)_pose.txt"))
                let center = project(pose.translation)
                result.append(Frame(image: folder / name / "\(frameName)_rgb.png", center: center))
            }
        }
        return result
    }

    /// A head's rotation (row-major 3×3) and translation in mm.
    struct Pose {
        var rotation: [Double]
        var translation: (x: Double, y: Double, z: Double)
        var yaw: Double
        var roll: Double
    }

    /// The pose of frame `frame` of subject `subject`: smooth sinusoids with per-subject phases.
    static func pose(subject: Int, frame: Int) -> Pose {
        var generator = SplitMix64(seed: 0xB1_1A_0000 &+ UInt64(subject))
        func phase() -> Double { Double(generator.next() >> 11) * 0x1p-53 * 2 * Double.pi }
        let t = Double(frame)
        let z = 1000 + 180 * sin(0.11 * t + phase())
        let (fx, fy) = (intrinsics.fx, intrinsics.fy)
        let maxX = (Double(width) / 2 - 16) * z / fx
        let maxY = (Double(height) / 2 - 16) * z / fy
        let x = maxX * sin(0.17 * t + phase())
        let y = maxY * sin(0.13 * t + phase())
        let yaw = 0.6 * sin(0.21 * t + phase())
        let pitch = 0.3 * sin(0.19 * t + phase())
        let roll = 0.2 * sin(0.23 * t + phase())
        let (cy, sy, cp, sp, cr, sr) = (cos(yaw), sin(yaw), cos(pitch), sin(pitch), cos(roll), sin(roll))
        // R = Rz(roll) · Ry(yaw) · Rx(pitch)
        let rotation = [
            cr * cy, cr * sy * sp - sr * cp, cr * sy * cp + sr * sp,
            sr * cy, sr * sy * sp + cr * cp, sr * sy * cp - cr * sp,
            -sy, cy * sp, cy * cp,
        ]
        return Pose(rotation: rotation, translation: (x, y, z), yaw: yaw, roll: roll)
    }

    /// Where a point in camera coordinates (mm) lands in the image, in pixels.
    static func project(_ point: (x: Double, y: Double, z: Double)) -> (x: Double, y: Double) {
        (point.x * intrinsics.fx / point.z + intrinsics.cx, point.y * intrinsics.fy / point.z + intrinsics.cy)
    }

    /// `rgb.cal` in Biwi's layout: intrinsics, a blank line, distortion, rotation, translation.
    static var calibration: String {
        let (fx, fy, cx, cy) = intrinsics
        return String(format: "%.6f 0 %.6f \n0 %.6f %.6f \n0 0 1 \n\n0 0 0 0 \n\n", fx, cx, fy, cy)
            + "1 0 0 \n0 1 0 \n0 0 1 \n\n0 0 0 \n"
    }

    /// `frame_NNNNN_pose.txt`: the rotation's rows, a blank line, the translation.
    static func poseText(_ pose: Pose) -> String {
        let r = pose.rotation
        var text = ""
        for row in 0..<3 {
            text += String(format: "%.6f %.6f %.6f \n", r[3 * row], r[3 * row + 1], r[3 * row + 2])
        }
        text +=
            "\n"
            + String(format: "%.6f %.6f %.6f \n", pose.translation.x, pose.translation.y, pose.translation.z)
        return text
    }

    /// A subject's textured background: tinted diagonal stripes and a checker of soft blobs.
    static func background(subject: Int) -> [Float] {
        var generator = SplitMix64(seed: 0xBAC0_0000 &+ UInt64(subject))
        func draw() -> Double { Double(generator.next() >> 11) * 0x1p-53 }
        let tint = (0.35 + 0.4 * draw(), 0.35 + 0.4 * draw(), 0.35 + 0.4 * draw())
        let (angle, period) = (draw() * Double.pi, 6 + 10 * draw())
        var pixels = [Float](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let along = Double(x) * cos(angle) + Double(y) * sin(angle)
                let stripe = 0.5 + 0.5 * sin(2 * Double.pi * along / period)
                let checker = (x / 12 + y / 12).isMultiple(of: 2) ? 0.12 : -0.12
                let noise = draw() * 0.1
                let level = 0.55 + 0.3 * stripe + checker + noise
                let base = (y * width + x) * 3
                pixels[base] = Float(255 * min(max(level * tint.0, 0), 1))
                pixels[base + 1] = Float(255 * min(max(level * tint.1, 0), 1))
                pixels[base + 2] = Float(255 * min(max(level * tint.2, 0), 1))
            }
        }
        return pixels
    }

    /// The head drawn over `background` (4×4 samples per pixel at the edge), as interleaved RGB bytes.
    static func render(pose: Pose, over background: [Float]) -> [UInt8] {
        let center = project(pose.translation)
        let a = 90 * intrinsics.fx / pose.translation.z
        let b = 115 * intrinsics.fy / pose.translation.z
        let (cosRoll, sinRoll) = (cos(pose.roll), sin(pose.roll))
        var pixels = background
        for y in 0..<height {
            for x in 0..<width {
                var coverage = 0.0
                var colour = (0.0, 0.0, 0.0)
                for sub in 0..<16 {
                    let px = Double(x) + (Double(sub % 4) + 0.5) / 4 - center.x
                    let py = Double(y) + (Double(sub / 4) + 0.5) / 4 - center.y
                    // Head coordinates: u across, v down, in units of the semi-axes.
                    let u = (cosRoll * px + sinRoll * py) / a
                    let v = (-sinRoll * px + cosRoll * py) / b
                    guard u * u + v * v <= 1 else { continue }
                    coverage += 1
                    let shade = headColour(u: u, v: v, yaw: pose.yaw)
                    colour.0 += shade.0
                    colour.1 += shade.1
                    colour.2 += shade.2
                }
                guard coverage > 0 else { continue }
                let alpha = coverage / 16
                let base = (y * width + x) * 3
                pixels[base] = Float((1 - alpha) * Double(pixels[base]) + 255 * colour.0 / 16)
                pixels[base + 1] = Float((1 - alpha) * Double(pixels[base + 1]) + 255 * colour.1 / 16)
                pixels[base + 2] = Float((1 - alpha) * Double(pixels[base + 2]) + 255 * colour.2 / 16)
            }
        }
        return pixels.map { UInt8(min(max($0.rounded(), 0), 255)) }
    }

    /// The colour (0…1) of the head at `(u, v)` in its unit disc: skin lit from the upper left, dark
    /// hair on top, eyes and a nose that slide sideways with the yaw.
    private static func headColour(u: Double, v: Double, yaw: Double) -> (Double, Double, Double) {
        let shift = 0.45 * sin(yaw)
        if v < -0.45 + 0.15 * u * u { return (0.18, 0.12, 0.08) }
        for eye in [-0.38, 0.38] where pow(u - eye - shift, 2) / 0.02 + pow(v + 0.1, 2) / 0.008 <= 1 {
            return (0.08, 0.08, 0.1)
        }
        if pow(u - 1.3 * shift, 2) / 0.01 + pow(v - 0.2, 2) / 0.04 <= 1 { return (0.72, 0.48, 0.38) }
        if pow(u - shift, 2) / 0.06 + pow(v - 0.55, 2) / 0.006 <= 1 { return (0.55, 0.2, 0.2) }
        let light = 0.85 + 0.15 * (-u - v) / 1.5
        return (0.95 * light, 0.76 * light, 0.62 * light)
    }
}
