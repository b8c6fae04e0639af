/// One dataset `khru data` prepares: idempotent, checksummed, with a clear message when it cannot.
///
/// Other modules add theirs to ``DataPreparation/all`` (one entry each); `khru data` runs them in order.
public struct DataPreparation: Sendable {
    /// A short name (`mnist-digits`, `movielens-100k`).
    public var name: String
    /// One line: what it prepares and from where.
    public var doc: String
    /// Prepares the data under the given data folder (`lessons/data`); returns a one-line summary.
    public var prepare: @Sendable (_ dataDirectory: String) throws -> String

    /// Creates a preparation.
    public init(
        name: String, doc: String, prepare: @escaping @Sendable (_ dataDirectory: String) throws -> String
    ) {
        self.name = name
        self.doc = doc
        self.prepare = prepare
    }

    /// Every dataset preparation, in the order `khru data` runs them.
    ///
    /// Add entries here.
    public static let all: [DataPreparation] = []
}
