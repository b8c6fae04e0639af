import Foundation
import Synchronization

/// The most memory one tensor a user asks for may take, so that a mistyped shape
/// (`Tensor.randn([100_000, 100_000])`, 40 GB) is an error naming the shape and the size instead of
/// swapping the machine to a halt.
///
/// ``Tensor/validate(shape:)`` checks it; the cell language calls that for every tensor a cell
/// creates or combines with shapes of its own (factories, broadcasting arithmetic, `matmul`, layers and
/// embeddings it sizes), and the cell interpreter for strings and arrays a cell grows with `+` and
/// `append`. Tensors the library makes while training (activations, gradients) are not checked: their
/// sizes follow from models and batches that were.
///
/// The default is half the machine's physical memory, or `KHRU_MEMORY_BUDGET` (`512M`, `2G`, a number
/// of bytes) when that is set and valid.
public enum MemoryBudget {
    /// The fraction of physical memory the default budget allows.
    public static let defaultFraction = 0.5

    /// The environment variable that sets the budget.
    public static let environmentVariable = "KHRU_MEMORY_BUDGET"

    private static let limit = Atomic<Int>(defaultBytes)

    /// The budget in bytes (shared by every thread).
    public static var bytes: Int {
        get { limit.load(ordering: .relaxed) }
        set { limit.store(Swift.max(newValue, 0), ordering: .relaxed) }
    }

    /// `KHRU_MEMORY_BUDGET` if it is set and valid, else ``defaultFraction`` of physical memory.
    public static var defaultBytes: Int {
        if let text = ProcessInfo.processInfo.environment[environmentVariable], let bytes = parse(text) {
            return bytes
        }
        return Int(Double(ProcessInfo.processInfo.physicalMemory) * defaultFraction)
    }

    /// Reads a size: a whole number of bytes, or a number with a suffix `K`, `M`, `G` or `T` (powers
    /// of 1024, an optional trailing `B`, any case): `1500000`, `512M`, `1.5G`.
    ///
    /// - Returns: The size in bytes, or `nil` when `text` is not a positive size.
    public static func parse(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var scale = 1.0
        if let last = digits.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last)] {
            scale = pow(1024, Double(power))
            digits.removeLast()
        }
        guard let value = Double(digits), value.isFinite, value > 0, value * scale < 0x1p62 else {
            return nil
        }
        return Int(value * scale)
    }

    /// The message for `what` (`a tensor of shape [2, 3]`) needing `size` beyond the budget.
    public static func exceeded(_ what: String, size: String) -> String {
        "\(what) needs \(size), more than the memory budget of \(format(bytes: bytes)) "
            + "(raise it with --memory-budget or \(environmentVariable))"
    }

    /// `bytes` for a reader: `512 B`, `3.0 KiB`, `6.4 GiB`.
    public static func format(bytes: Int) -> String {
        var value = Double(bytes)
        for unit in ["B", "KiB", "MiB", "GiB"] {
            if value < 1024 { return unit == "B" ? "\(bytes) B" : String(format: "%.1f %@", value, unit) }
            value /= 1024
        }
        return String(format: "%.1f TiB", value)
    }
}
