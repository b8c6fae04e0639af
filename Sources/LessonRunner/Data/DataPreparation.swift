import Collab
import Downloads
import Training
import Vision

/// The datasets `khru data` prepares: every `DataSource` a shipped lesson reads through `untarData`.
///
/// A new dataset is one `DataSource` in its library module and one entry here. fastai's downloaded
/// archives (`.pets`, …) are not listed: `khru data` (and so `make run` and CI) never downloads them.
public enum DataPreparation {
    /// The lessons' datasets, in the order they are prepared.
    public static let all: [DataSource] = [
        .ml100k, .fashionMNIST, .digits, .digitPets, .multiLabel, .headPose,
    ]

    /// Prepares `source` under `root` and returns the folder it lives in.
    ///
    /// `root` defaults to Training's data root (`$KHRU_DATA`, or `lessons/data` of this checkout).
    /// Idempotent: prepared data is checked and reused.
    public static func prepare(_ source: DataSource, root: String? = nil) throws -> String {
        try untarData(source, root: root.map(Path.init)).string
    }

    /// The data root `root` names, or the default one (`$KHRU_DATA`, `lessons/data` of this checkout,
    /// `~/.khru/data`).
    public static func dataRoot(_ root: String? = nil) -> String {
        root.map { Path($0).isAbsolute ? $0 : (Path.cwd / $0).string } ?? DataSource.dataRoot().string
    }

    /// Copies the archives the data root `root` holds (downloaded by `untarData(.pets)` and friends, kept
    /// in `<root>/archives/`) into `folder`, for a classroom mirror; returns each file's name, size and
    /// whether it was copied now.
    ///
    /// - Throws: ``Downloads/DownloadError`` when a file cannot be copied.
    public static func mirror(
        into folder: String, root: String? = nil
    ) throws -> [(name: String, size: Int, copied: Bool)] {
        try ArchiveStore(root: Path(dataRoot(root))).mirror(to: Path(folder)).map {
            ($0.name, $0.size, $0.copied)
        }
    }
}
