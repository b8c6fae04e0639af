import Foundation
import TensorCore
import Training

/// The element types weight files store, and how each becomes a `Float`.
enum WeightElementType: String, CaseIterable, Sendable {
    case f32 = "F32"
    case f64 = "F64"
    case f16 = "F16"
    case bf16 = "BF16"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u8 = "U8"
    case bool = "BOOL"

    /// Bytes per element.
    var size: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16, .i16: 2
        case .i8, .u8, .bool: 1
        }
    }

    /// Whether the type holds real numbers (weights), not counters.
    var isFloatingPoint: Bool { [.f32, .f64, .f16, .bf16].contains(self) }

    /// `count` little-endian (or big-endian, when `bigEndian`) elements from `bytes`, as `Float`s.
    func floats(_ bytes: UnsafeRawBufferPointer, count: Int, bigEndian: Bool = false) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            func bits<T: FixedWidthInteger>(_: T.Type, _ index: Int) -> T {
                let raw = bytes.loadUnaligned(fromByteOffset: index * MemoryLayout<T>.size, as: T.self)
                return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
            }
            for index in 0..<count {
                buffer[index] =
                    switch self {
                    case .f32: Float(bitPattern: bits(UInt32.self, index))
                    case .f64: Float(Double(bitPattern: bits(UInt64.self, index)))
                    case .f16: BodyWeights.floatFromHalf(bits(UInt16.self, index))
                    case .bf16: Float(bitPattern: UInt32(bits(UInt16.self, index)) << 16)
                    case .i64: Float(Int64(bitPattern: bits(UInt64.self, index)))
                    case .i32: Float(Int32(bitPattern: bits(UInt32.self, index)))
                    case .i16: Float(Int16(bitPattern: bits(UInt16.self, index)))
                    case .i8: Float(Int8(bitPattern: bytes[index]))
                    case .u8: Float(bytes[index])
                    case .bool: bytes[index] == 0 ? 0 : 1
                    }
            }
            initialized = count
        }
    }
}

/// The number of elements of `shape`, or nil when a dimension is negative or the product overflows.
func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
        guard dimension >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
        guard !overflow else { return nil }
        count = product
    }
    return count
}

/// Hugging Face's safetensors format: an 8-byte little-endian header length `N`, `N` bytes of JSON
/// (`{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …, "__metadata__": {…}}`,
/// padded with spaces), then the tensors' bytes, little-endian and contiguous, at offsets relative to
/// the end of the header.
///
/// Reading checks everything the format's reference implementation checks: the header's length
/// against the file and against ``maximumHeaderLength``, the JSON, each tensor's dtype, the agreement of
/// shape and byte count, and that the tensors' byte ranges lie in the data, do not overlap and leave no
/// gap.
public enum SafeTensors {
    /// The longest header accepted (100 MB, as the reference implementation's `MAX_HEADER_SIZE`).
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// The tensors of a safetensors file's bytes, in the order of their data, each converted to `Float`.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - path: The file, for the errors.
    /// - Returns: Name, stored dtype and values of each tensor; the header's `__metadata__`.
    /// - Throws: ``WeightsError`` naming `path` for anything malformed.
    static func decode(
        _ bytes: Data, path: String
    ) throws(WeightsError) -> (entries: [StateDict.Entry], metadata: [String: String]) {
        guard bytes.count >= 8 else {
            throw .truncated(path: path, reason: "\(bytes.count) bytes, not even the 8-byte header length")
        }
        let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= maximumHeaderLength, length <= UInt64(bytes.count - 8) else {
            if length <= maximumHeaderLength {
                throw .truncated(
                    path: path, reason: "the header claims \(length) bytes, \(bytes.count - 8) follow")
            }
            throw .oversizeHeader(path: path, length: length, fileSize: bytes.count)
        }
        let dataStart = 8 + Int(length)
        let headerBytes = bytes.subdata(in: 8..<dataStart)
        guard headerBytes.first == UInt8(ascii: "{"),
            let object = try? JSONSerialization.jsonObject(with: headerBytes),
            let header = object as? [String: Any]
        else {
            throw .malformedHeader(path: path, reason: "the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let table = raw as? [String: Any] else {
                throw .malformedHeader(path: path, reason: "__metadata__ is not an object of strings")
            }
            for (key, value) in table {
                guard let text = value as? String else {
                    throw .malformedHeader(path: path, reason: "__metadata__ '\(key)' is not a string")
                }
                metadata[key] = text
            }
        }
        let dataLength = bytes.count - dataStart
        var described: [(name: String, type: WeightElementType, shape: [Int], range: Range<Int>)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shapeNumbers = info["shape"] as? [NSNumber],
                let offsetNumbers = info["data_offsets"] as? [NSNumber], offsetNumbers.count == 2
            else {
                throw .malformedHeader(
                    path: path, reason: "'\(name)' lacks a dtype, a shape or two data_offsets")
            }
            guard let type = WeightElementType(rawValue: dtype) else {
                throw .unsupportedDType(path: path, name: name, dtype: dtype)
            }
            let shape = shapeNumbers.map(\.intValue)
            let (begin, end) = (offsetNumbers[0].int64Value, offsetNumbers[1].int64Value)
            guard begin >= 0, begin <= end, end <= Int64(dataLength) else {
                throw .badTensor(
                    path: path, name: name,
                    reason: "data_offsets [\(begin), \(end)] lie outside the \(dataLength) bytes of data")
            }
            guard let count = elementCount(shape),
                count.multipliedReportingOverflow(by: type.size) == (
                    Int(end - begin), false
                )
            else {
                throw .badTensor(
                    path: path, name: name,
                    reason: "shape \(shape) of \(dtype) does not fill its \(end - begin) bytes")
            }
            described.append((name, type, shape, Int(begin)..<Int(end)))
        }
        described.sort {
            ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound)
        }
        var covered = 0
        for tensor in described {
            guard tensor.range.lowerBound >= covered else {
                throw .badTensor(
                    path: path, name: tensor.name,
                    reason: "its bytes \(tensor.range) overlap another tensor's (up to \(covered))")
            }
            guard tensor.range.lowerBound == covered else {
                throw .malformedHeader(
                    path: path,
                    reason: "bytes \(covered)..<\(tensor.range.lowerBound) of data belong to no tensor")
            }
            covered = tensor.range.upperBound
        }
        guard covered == dataLength else {
            throw .malformedHeader(
                path: path, reason: "bytes \(covered)..<\(dataLength) of data belong to no tensor")
        }
        let entries = bytes.withUnsafeBytes { raw in
            described.map { tensor in
                let slice = UnsafeRawBufferPointer(
                    rebasing: raw[
                        (dataStart + tensor.range.lowerBound)..<(dataStart + tensor.range.upperBound)])
                let count = tensor.range.count / tensor.type.size
                return StateDict.Entry(
                    name: tensor.name, dtype: tensor.type.rawValue,
                    tensor: Tensor(shape: tensor.shape, scalars: tensor.type.floats(slice, count: count)))
            }
        }
        return (entries, metadata)
    }
}
