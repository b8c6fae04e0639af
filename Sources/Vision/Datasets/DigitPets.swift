import Checksums
import Foundation
import Training

extension DataSource {
    /// The offline stand-in for Oxford-IIIT Pet (`untarData(.pets)`) with the pets' file naming.
    ///
    /// 1,000 of OpenCV's handwritten digits (100 of each) in one folder, `images/<label>_<n>.png`
    /// (`seven_42.png`, `n` = 1…100 per label), so fastbook's `RegexLabeller(#"(.+)_\d+.png$"#)` labels
    /// them from their names. Made from the prepared ``digits`` (prepared first when missing); no split
    /// folders, as in Pets.
    public static let digitPets = DataSource("digit-pets") { folder in
        try DigitPets.prepare(in: folder, digits: folder.parent / DataSource.digits.name)
    }
}

/// The digits named as Oxford-IIIT Pet names its photos (see ``Training/DataSource/digitPets``).
public enum DigitPets {
    static let version = "digit-pets 1"
    /// The labels, in digit order: the English name of each digit.
    public static let labels = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ]
    /// Pictures per label.
    public static let perLabel = 100

    /// Makes sure `folder` holds `images/<label>_<n>.png`, copied from the digits prepared in `digits`
    /// (prepared there first when missing); a prepared folder is left alone ("nothing to do").
    ///
    /// Digit `d`'s pictures are the training cells of its five rows of `digits.png` whose column is a
    /// multiple of 5 (20 columns × 5 rows), numbered 1…100 row by row.
    ///
    /// - Throws: ``VisionError`` when the digits cannot be prepared or read.
    public static func prepare(in folder: Path, digits: Path) throws(VisionError) {
        try Preparation.once(folder, dataset: "digit-pets", version: version) { () throws(VisionError) in
            try Digits.prepare(in: digits)
            var written: [Preparation.Entry] = []
            for (digit, label) in labels.enumerated() {
                var number = 0
                for row in 5 * digit..<5 * digit + 5 {
                    for column in stride(from: 0, to: 100, by: 5) {
                        number += 1
                        let source =
                            digits / "train" / String(digit)
                            / String(format: "%04d.png", row * 100 + column)
                        let bytes = try Preparation.readBytes(source)
                        let name = "images/\(label)_\(number).png"
                        try Preparation.write(bytes, to: folder / name)
                        written.append((name, SHA256.hex(of: bytes), bytes.count))
                    }
                }
            }
            return written
        }
    }
}
