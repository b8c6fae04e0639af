import Foundation
import TensorCore
import Training

/// Named tensors stored in half or single precision: the format of Khru's pretrained bodies.
///
/// The layout (little-endian):
///
/// ```
/// "KHRUBODY"                       8-byte magic
/// UInt32 entryCount
/// entryCount × { UInt32 nameLength, name (UTF-8), UInt8 precision (16 or 32),
///                UInt32 rank, rank × UInt32 dims, ∏dims × (UInt16 or Float32) }
/// ```
///
/// Half precision is IEEE 754 binary16, rounded to nearest-even (so a body of 1.5 M weights is 3 MB);
/// batch-norm statistics are kept in single precision. The same entries give the same bytes.
public enum BodyWeights {
    static let magic = Array("KHRUBODY".utf8)

    /// How an entry's numbers are stored.
    public enum Precision: UInt8, Sendable {
        /// IEEE 754 binary16.
        case half = 16
        /// IEEE 754 binary32.
        case single = 32
    }

    /// Encodes named tensors, each with its precision.
    public static func encode(_ entries: [(name: String, tensor: Tensor, precision: Precision)]) -> [UInt8] {
        var bytes = magic
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append32(UInt32(entries.count))
        for (name, tensor, precision) in entries {
            let utf8 = Array(name.utf8)
            append32(UInt32(utf8.count))
            bytes += utf8
            bytes.append(precision.rawValue)
            append32(UInt32(tensor.rank))
            for dim in tensor.shape { append32(UInt32(dim)) }
            switch precision {
            case .half:
                for scalar in tensor.scalars {
                    withUnsafeBytes(of: halfBits(scalar).littleEndian) { bytes += $0 }
                }
            case .single:
                for scalar in tensor.scalars { append32(scalar.bitPattern) }
            }
        }
        return bytes
    }

    /// Decodes named tensors (half-precision entries widened to `Float`).
    ///
    /// - Throws: ``VisionModelError/badPretrainedWeights(file:reason:)`` with an empty `file` (the
    ///   caller knows the file and names it) for a truncated or foreign file.
    public static func decode(_ bytes: [UInt8]) throws(VisionModelError) -> [(name: String, tensor: Tensor)] {
        func bad(_ reason: String) -> VisionModelError { .badPretrainedWeights(file: "", reason: reason) }
        guard bytes.count >= 12, Array(bytes[0..<8]) == magic else {
            throw bad("not a Khru body-weights file (bad magic)")
        }
        var offset = 8
        func read32() throws(VisionModelError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw bad("truncated at byte \(offset)") }
            let value =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
            offset += 4
            return value
        }
        var entries: [(name: String, tensor: Tensor)] = []
        let count = try read32()
        for _ in 0..<count {
            let length = Int(try read32())
            guard offset + length + 1 <= bytes.count else { throw bad("truncated name at byte \(offset)") }
            let name = String(decoding: bytes[offset..<(offset + length)], as: UTF8.self)
            offset += length
            guard let precision = Precision(rawValue: bytes[offset]) else {
                throw bad("entry '\(name)' has unknown precision \(bytes[offset])")
            }
            offset += 1
            let rank = Int(try read32())
            guard rank <= 8 else { throw bad("entry '\(name)' has rank \(rank)") }
            var shape: [Int] = []
            for _ in 0..<rank { shape.append(Int(try read32())) }
            let elements = shape.reduce(1, *)
            let width = precision == .half ? 2 : 4
            guard elements >= 0, offset + elements * width <= bytes.count else {
                throw bad("entry '\(name)' of shape \(shape) is truncated")
            }
            var scalars = [Float]()
            scalars.reserveCapacity(elements)
            for index in 0..<elements {
                let at = offset + index * width
                if precision == .half {
                    scalars.append(floatFromHalf(UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8))
                } else {
                    let bits =
                        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16
                        | UInt32(bytes[at + 3]) << 24
                    scalars.append(Float(bitPattern: bits))
                }
            }
            offset += elements * width
            entries.append((name, Tensor(shape: shape, scalars: scalars)))
        }
        guard offset == bytes.count else { throw bad("\(bytes.count - offset) bytes after the last entry") }
        return entries
    }

    /// The binary16 bits nearest to `value` (ties to even; overflow to infinity; NaN stays NaN).
    public static func halfBits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        let biased = exponent - 127 + 15
        if biased >= 0x1F { return sign | 0x7C00 }
        if biased <= 0 {
            // A subnormal half (or zero): the 24-bit significand shifted right by 14 − biased.
            guard biased >= -10 else { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - biased)
            var result = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && result & 1 == 1) { result += 1 }
            return sign | UInt16(result)
        }
        var result = UInt32(biased) << 10 | mantissa >> 13
        let remainder = mantissa & 0x1FFF
        // A carry out of the mantissa rounds up into the exponent, as it should (up to infinity).
        if remainder > 0x1000 || (remainder == 0x1000 && result & 1 == 1) { result += 1 }
        return sign | UInt16(result)
    }

    /// The `Float` that binary16 `bits` stands for (exact).
    public static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// `values` rounded to the nearest half-precision numbers (what a round trip through the file gives).
    public static func roundedToHalf(_ tensor: Tensor) -> Tensor {
        Tensor(shape: tensor.shape, scalars: tensor.scalars.map { floatFromHalf(halfBits($0)) })
    }
}

/// Every batch norm under `layer` with its dotted path (as ``Layer/namedParameters`` names them).
func batchNormLayers(_ layer: any Layer, prefix: String = "") -> [(path: String, norm: BatchNorm)] {
    var result: [(path: String, norm: BatchNorm)] = []
    if let norm = layer as? BatchNorm { result.append((prefix, norm)) }
    for (name, child) in layer.children {
        result += batchNormLayers(child, prefix: prefix.isEmpty ? name : prefix + "." + name)
    }
    return result
}

extension Sequential {
    /// The body's weights (half precision) and batch-norm statistics (`<path>.running_mean`,
    /// `<path>.running_var`, single precision), in a fixed order: what a pretrained-body file holds.
    public var bodyWeightEntries: [(name: String, tensor: Tensor, precision: BodyWeights.Precision)] {
        var entries =
            namedParameters.map { (name: $0.name, tensor: $0.parameter.value, precision: .half) }
            as [(name: String, tensor: Tensor, precision: BodyWeights.Precision)]
        for (path, norm) in batchNormLayers(self) {
            entries.append((path + ".running_mean", norm.runningMean, .single))
            entries.append((path + ".running_var", norm.runningVar, .single))
        }
        return entries
    }
}
