/// MD5 (RFC 1321): the checksum fastai's download table records (of an archive's first MiB).
///
/// MD5 is broken for security; Khru uses it only to compare a download with the table fastai
/// publishes, next to the file's size, and records a SHA-256 of the whole file beside it.
public struct MD5: Sendable {
    /// `floor(abs(sin(i + 1)) * 2^32)`, RFC 1321 section 3.4.
    private static let sines: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613,
        0xfd46_9501, 0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193,
        0xa679_438e, 0x49b4_0821, 0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d,
        0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8, 0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed,
        0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a, 0xfffa_3942, 0x8771_f681, 0x6d9d_6122,
        0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70, 0x289b_7ec6, 0xeaa1_27fa,
        0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665, 0xf429_2244,
        0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb,
        0xeb86_d391,
    ]
    /// The left rotations of each round, four per round.
    private static let shifts: [UInt32] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]

    private var state: [UInt32] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476]
    private var pending: [UInt8] = []
    private var byteCount: UInt64 = 0

    /// Creates an empty hasher.
    public init() {}

    /// The MD5 digest of `bytes` as 32 lowercase hexadecimal digits.
    public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = MD5()
        hasher.update(Array(bytes))
        return hasher.finalizeHex()
    }

    /// Feeds more message bytes.
    public mutating func update(_ bytes: [UInt8]) {
        byteCount &+= UInt64(bytes.count)
        var start = 0
        if !pending.isEmpty {
            let take = min(64 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            start = take
            if pending.count == 64 {
                let block = pending
                pending.removeAll(keepingCapacity: true)
                block.withUnsafeBufferPointer { compress($0, at: 0) }
            }
        }
        bytes.withUnsafeBufferPointer { buffer in
            while start + 64 <= buffer.count {
                compress(buffer, at: start)
                start += 64
            }
        }
        if start < bytes.count { pending.append(contentsOf: bytes[start...]) }
    }

    /// Pads the message and returns the 16-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = byteCount &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        // The length goes in little-endian, unlike SHA-256's.
        for shift in stride(from: 0, through: 56, by: 8) {
            tail.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        tail.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                compress(buffer, at: offset)
                offset += 64
            }
        }
        pending.removeAll()
        var digest: [UInt8] = []
        digest.reserveCapacity(16)
        for word in state {
            for shift in stride(from: 0, through: 24, by: 8) {
                digest.append(UInt8(truncatingIfNeeded: word >> shift))
            }
        }
        return digest
    }

    /// Pads the message and returns the digest as 32 lowercase hexadecimal digits.
    public mutating func finalizeHex() -> String {
        let digits = Array("0123456789abcdef")
        return finalize().map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]]) }.joined()
    }

    private mutating func compress(_ buffer: UnsafeBufferPointer<UInt8>, at offset: Int) {
        var words = [UInt32](repeating: 0, count: 16)
        for index in 0..<16 {
            let base = offset + 4 * index
            words[index] =
                UInt32(buffer[base]) | UInt32(buffer[base + 1]) << 8 | UInt32(buffer[base + 2]) << 16
                | UInt32(buffer[base + 3]) << 24
        }
        var a = state[0]
        var b = state[1]
        var c = state[2]
        var d = state[3]
        for index in 0..<64 {
            let mixed: UInt32
            let word: Int
            switch index {
            case 0..<16:
                mixed = (b & c) | (~b & d)
                word = index
            case 16..<32:
                mixed = (d & b) | (~d & c)
                word = (5 * index + 1) % 16
            case 32..<48:
                mixed = b ^ c ^ d
                word = (3 * index + 5) % 16
            default:
                mixed = c ^ (b | ~d)
                word = (7 * index) % 16
            }
            let sum = a &+ mixed &+ Self.sines[index] &+ words[word]
            a = d
            d = c
            c = b
            b = b &+ rotateLeft(sum, Self.shifts[(index / 16) * 4 + index % 4])
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
    }
}

private func rotateLeft(_ value: UInt32, _ count: UInt32) -> UInt32 {
    (value << count) | (value >> (32 - count))
}
