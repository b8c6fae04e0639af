import Foundation
import Testing

@testable import Checksums

/// RFC 1321's test suite (appendix A.5), padding boundaries, and agreement with coreutils' `md5sum`.
@Suite struct MD5Tests {
    @Test(arguments: [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f"
        ),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a"
        ),
    ])
    func rfc1321Suite(message: String, digest: String) {
        #expect(MD5.hex(of: Array(message.utf8)) == digest)
    }

    /// Lengths around the 56-byte padding boundary and a block, fed whole and in odd pieces, against
    /// `md5sum` (an independent implementation).
    @Test func matchesMD5SumAcrossBoundariesAndPieces() throws {
        var generator = SystemRandomNumberGenerator()
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 1000, 70_001] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = try md5sum(bytes)
            #expect(MD5.hex(of: bytes) == expected, "length \(length)")
            var pieces = MD5()
            var start = 0
            var step = 1
            while start < bytes.count {
                let end = min(start + step, bytes.count)
                pieces.update(Array(bytes[start..<end]))
                start = end
                step = step * 3 + 1
            }
            #expect(pieces.finalizeHex() == expected, "length \(length) in pieces")
        }
    }

    private func md5sum(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "khru-md5-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["md5sum", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}
