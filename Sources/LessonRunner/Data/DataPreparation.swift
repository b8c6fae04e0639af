import Collab
import Training
import Vision

/// The datasets `khru data` prepares: every `DataSource` a shipped lesson reads through `untarData`.
///
/// A new dataset is one `DataSource` in its library module and one entry here.
public enum DataPreparation {
    /// The lessons' datasets, in the order they are prepared.
    public static let all: [DataSource] = [.ml100k, .fashionMNIST, .digits, .multiLabel, .headPose]

    /// Prepares `source` under `root` and returns the folder it lives in.
    ///
    /// `root` defaults to Training's data root (`$KHRU_DATA`, or `lessons/data` of this checkout).
    /// Idempotent: prepared data is checked and reused.
    public static func prepare(_ source: DataSource, root: String? = nil) throws -> String {
        try untarData(source, root: root.map(Path.init)).string
    }
}
