import Testing
import _TestSupport

@testable import TensorCore

@Suite struct RandomTests {
    @Test func splitMix64MatchesReferenceOutputs() {
        // Reference values of Vigna's splitmix64.c for seed 1234567.
        var generator = SplitMix64(seed: 1_234_567)
        #expect(generator.next() == 6_457_827_717_110_365_317)
        #expect(generator.next() == 3_203_168_211_198_807_973)
        #expect(generator.next() == 9_817_491_932_198_370_423)
    }

    @Test func derivedSeedsAreStableAndDistinct() {
        // Independently computed (Python) FNV-1a + SplitMix64 finalizer values.
        #expect(Random.deriveSeed(42, "cell-1") == 4_349_101_968_802_749_560)
        #expect(Random.deriveSeed(42, "cell-2") == 4_617_498_139_570_690_946)
        #expect(Random.deriveSeed(42, "เซลล์") == 7_213_867_611_640_358_694)
        #expect(Generator(seed: 42).child("cell-1").seed == Random.deriveSeed(42, "cell-1"))
    }

    @Test func streamsAreReproducible() {
        let a = Random.withSeed(7) {
            (Tensor.normal([100]), Tensor.uniform([10]), Random.current.permutation(20))
        }
        let b = Random.withSeed(7) {
            (Tensor.normal([100]), Tensor.uniform([10]), Random.current.permutation(20))
        }
        let c = Random.withSeed(8) { Tensor.normal([100]) }
        #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
        #expect(a.0 != c)
        #expect(a.2.sorted() == Array(0..<20) && a.2 != Array(0..<20))
    }

    @Test func taskLocalScopesNest() async {
        let outer = Random.withSeed(1) { Random.current.seed }
        #expect(outer == 1)
        let inner = Random.withSeed(1) { Random.withSeed(2) { Random.current.seed } }
        #expect(inner == 2)
        let asyncSeed = await Random.withSeed(3) { () async -> UInt64 in Random.current.seed }
        #expect(asyncSeed == 3)
        #expect(Random.current.seed == Random.defaultSeed)
    }

    @Test func distributionsHaveTheRightMoments() throws {
        let generator = Generator(seed: 11)
        let normal = Tensor.normal([20_000], mean: 2, std: 3, generator: generator)
        let mean = normal.mean().scalar
        let std = (normal - mean).squared().mean().scalar.squareRoot()
        #expect(Swift.abs(mean - 2) < 0.1 && Swift.abs(std - 3) < 0.1)
        let uniform = Tensor.uniform([20_000], low: -1, high: 3, generator: generator)
        #expect(try uniform.min().scalar >= -1 && uniform.max().scalar < 3)
        #expect(Swift.abs(uniform.mean().scalar - 1) < 0.05)
        let truncated = Tensor.truncatedNormal([20_000], std: 0.01, generator: generator)
        #expect(try truncated.abs().max().scalar < 0.02)
        // fmod 2 of N(0,1) has standard deviation ≈ 0.8807 (the tails wrap into (−2, 2)).
        let truncatedStd = (truncated * 100).squared().mean().scalar.squareRoot()
        #expect(Swift.abs(truncatedStd - 0.88) < 0.03)
        let ints = Tensor.randint(3, 6, shape: [1000], generator: generator)
        #expect(Set(ints.scalars) == [3, 4, 5])
    }

    @Test func dropoutIsSeededAndInverted() {
        let x = Tensor.ones([1000])
        let a = Random.withSeed(5) { x.dropout(probability: 0.25, training: true) }
        let b = Random.withSeed(5) { x.dropout(probability: 0.25, training: true) }
        #expect(a == b)
        #expect(Set(a.scalars) == [0, Float(1) / 0.75])
        let dropped = a.scalars.filter { $0 == 0 }.count
        #expect(dropped > 200 && dropped < 300)
        #expect(x.dropout(probability: 0.25, training: false) == x)
    }
}

@Suite struct ConcurrentRandomTests {
    @Test func concurrentDrawsShareOneStreamWithoutLosingValues() async {
        let sequential = Generator(seed: 77)
        let expected = Set((0..<4000).map { _ in sequential.nextUInt64() })
        let shared = Generator(seed: 77)
        let drawn = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<4 {
                group.addTask { (0..<1000).map { _ in shared.nextUInt64() } }
            }
            var all: [UInt64] = []
            for await values in group { all += values }
            return all
        }
        #expect(drawn.count == 4000 && Set(drawn) == expected)
    }
}
