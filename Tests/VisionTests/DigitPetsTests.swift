import Foundation
import Testing
import Training

@testable import Vision

/// The chapter-5 stand-in: digits named as Oxford-IIIT Pet names its photos.
@Suite(
    .enabled(if: isPrepared("digit-pets"), "the digit pets are not prepared in lessons/data; run `make data`")
)
struct DigitPetsDataTests {
    @Test func aThousandPicturesNamedAsThePetsAre() throws {
        let files = try getImageFiles(dataRoot / "digit-pets")
        #expect(files.count == 1_000)
        #expect(Set(files.map(\.parent.name)) == ["images"])
        // fastbook's pattern labels every file; each label has its 100 pictures, numbered 1…100.
        let labeller = try RegexLabeller(#"(.+)_\d+.png$"#)
        let labels = try files.map { try labeller($0.name) }
        #expect(
            Dictionary(grouping: labels) { $0 }.mapValues(\.count)
                == Dictionary(
                    uniqueKeysWithValues: DigitPets.labels.map { ($0, 100) }))
        #expect(
            files.contains { $0.name == "seven_100.png" } && !files.contains { $0.name == "seven_101.png" })
    }

    @Test func eachPictureIsItsDigitsCell() throws {
        // seven_1.png is the first training cell of digit 7's first row: row 35, column 0 → 3500.png.
        let named = try Data(contentsOf: (dataRoot / "digit-pets" / "images" / "seven_1.png").url)
        let cell = try Data(contentsOf: (dataRoot / "digits" / "train" / "7" / "3500.png").url)
        #expect(named == cell)
        // seven_21.png starts the next row (20 columns a row): row 36 → 3600.png.
        let next = try Data(contentsOf: (dataRoot / "digit-pets" / "images" / "seven_21.png").url)
        #expect(next == (try Data(contentsOf: (dataRoot / "digits" / "train" / "7" / "3600.png").url)))
    }
}
