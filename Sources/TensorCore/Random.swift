import Foundation
import Synchronization

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, fully deterministic 64-bit generator.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    /// The internal state; advancing it by the golden-ratio increment gives the next output.
    public private(set) var state: UInt64

    /// Creates a generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// SplitMix64's output finalizer, a bijective 64-bit mixer.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A seeded random stream shared by reference, safe to use from several tasks (a `Mutex` guards it).
///
/// Library code draws from ``Random/current`` instead of taking a generator parameter everywhere.
public final class Generator: Sendable {
    /// The seed this generator started from; ``child(_:)`` derives from it, not from the current state.
    public let seed: UInt64
    private let state: Mutex<SplitMix64>

    /// Creates a generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        self.seed = seed
        state = Mutex(SplitMix64(seed: seed))
    }

    /// A new generator seeded by ``Random/deriveSeed(_:_:)`` from this generator's seed and `id`.
    public func child(_ id: String) -> Generator {
        Generator(seed: Random.deriveSeed(seed, id))
    }

    /// The next 64 random bits.
    public func nextUInt64() -> UInt64 {
        state.withLock { $0.next() }
    }

    /// The stream's position: ``restore(position:)`` with it continues the stream from here (the
    /// run cache saves it when it skips a training call).
    public var position: UInt64 { state.withLock { $0.state } }

    /// Moves the stream to a `position` read earlier.
    public func restore(position: UInt64) {
        state.withLock { $0 = SplitMix64(seed: position) }
    }

    /// A uniform `Float` in `[0, 1)` with 24 random bits.
    public func nextFloat() -> Float {
        Float(nextUInt64() >> 40) * 0x1p-24
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    public func nextDouble() -> Double {
        Double(nextUInt64() >> 11) * 0x1p-53
    }

    /// A uniform integer in `range` (unbiased, by rejection).
    public func nextInt(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "cannot draw from the empty range \(range)")
        return state.withLock { generator in
            range.lowerBound + Int(Self.bounded(UInt64(range.count), using: &generator))
        }
    }

    /// A random permutation of `0..<n` (Fisher–Yates).
    public func permutation(_ n: Int) -> [Int] {
        var result = Array(0..<n)
        shuffle(&result)
        return result
    }

    /// Shuffles `array` in place (Fisher–Yates, from the last element down).
    public func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        state.withLock { generator in
            for index in stride(from: array.count - 1, to: 0, by: -1) {
                let other = Int(Self.bounded(UInt64(index + 1), using: &generator))
                array.swapAt(index, other)
            }
        }
    }

    /// Fills `pointer[0..<count]` with uniform samples in `[low, high)`.
    func fillUniform(_ pointer: UnsafeMutablePointer<Float>, count: Int, low: Float, high: Float) {
        state.withLock { generator in
            let scale = high - low
            for index in 0..<count {
                pointer[index] = low + scale * (Float(generator.next() >> 40) * 0x1p-24)
            }
        }
    }

    /// Fills `pointer[0..<count]` with normal samples (Box–Muller in `Double`, both outputs used).
    func fillNormal(_ pointer: UnsafeMutablePointer<Float>, count: Int, mean: Float, std: Float) {
        state.withLock { generator in
            var index = 0
            while index < count {
                let u1 = (Double(generator.next() >> 11) + 1) * 0x1p-53
                let u2 = Double(generator.next() >> 11) * 0x1p-53
                let radius = (-2 * log(u1)).squareRoot()
                let angle = 2 * Double.pi * u2
                pointer[index] = mean + std * Float(radius * cos(angle))
                if index + 1 < count {
                    pointer[index + 1] = mean + std * Float(radius * sin(angle))
                }
                index += 2
            }
        }
    }

    /// A uniform value in `0..<bound` by Lemire's multiply-and-reject method.
    private static func bounded(_ bound: UInt64, using generator: inout SplitMix64) -> UInt64 {
        var product = generator.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = generator.next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }
}

/// The task-scoped current generator and seed derivation.
///
/// ```swift
/// Random.withSeed(42) {
///     let w = Tensor.normal([3, 4])          // draws from Random.current
/// }
/// ```
public enum Random {
    /// The seed used when no ``withSeed(_:_:)-swift.type.method`` scope is active.
    public static let defaultSeed: UInt64 = 0x5EED_1234_ABCD_0042

    /// The generator of the current task scope; a shared default-seeded generator outside any scope.
    @TaskLocal public static var current = Generator(seed: defaultSeed)

    /// Runs `body` with ``current`` set to a fresh generator seeded with `seed`.
    public static func withSeed<R>(_ seed: UInt64, _ body: () throws -> R) rethrows -> R {
        try $current.withValue(Generator(seed: seed), operation: body)
    }

    /// Runs async `body` with ``current`` set to a fresh generator seeded with `seed`.
    public static func withSeed<R>(
        _ seed: UInt64, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
    ) async rethrows -> R {
        try await $current.withValue(Generator(seed: seed), operation: body, isolation: isolation)
    }

    /// Runs `body` with ``current`` set to `generator`.
    public static func withGenerator<R>(_ generator: Generator, _ body: () throws -> R) rethrows -> R {
        try $current.withValue(generator, operation: body)
    }

    /// A child seed derived from `seed` and a string `id`.
    ///
    /// FNV-1a (64-bit) of the UTF-8 bytes of `id`, mixed into `seed` with SplitMix64's finalizer. Stable across processes and machines (no `Hasher`).
    public static func deriveSeed(_ seed: UInt64, _ id: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return SplitMix64.mix(SplitMix64.mix(seed ^ 0x9E37_79B9_7F4A_7C15) ^ hash)
    }
}
