import Foundation

/// A file-system path, like Python's `pathlib.Path` as fastai uses it: `path / "train" / fname`.
///
/// Paths are lexical values: `"a//b/./c/"` is stored as `"a/b/c"` (`..` is kept), and an empty
/// path is `"."`. Only ``exists``, ``isDirectory`` and ``ls()`` look at the disk.
///
/// ```swift
/// let path = Path("lessons/data") / "pascal"
/// path.name          // "pascal"
/// (path / "train.csv").suffix  // ".csv"
/// ```
public struct Path: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The path as text, normalized.
    public let string: String

    /// Creates a path from text.
    public init(_ string: String) {
        self.string = Path.normalize(string)
    }

    /// Creates a path from a file URL.
    public init(_ url: URL) {
        self.init(url.path)
    }

    /// The current directory.
    public static var cwd: Path { Path(FileManager.default.currentDirectoryPath) }

    /// The user's home directory.
    public static var home: Path { Path(FileManager.default.homeDirectoryForCurrentUser) }

    /// `lhs` joined with `rhs` (an absolute `rhs` replaces `lhs`, as in pathlib).
    public static func / (lhs: Path, rhs: String) -> Path {
        if rhs.hasPrefix("/") || lhs.string == "." { return Path(rhs) }
        return Path(lhs.string + "/" + rhs)
    }

    /// `lhs` joined with `rhs`.
    public static func / (lhs: Path, rhs: Path) -> Path { lhs / rhs.string }

    /// The last component (`""` for `/` and `.`).
    public var name: String {
        if string == "/" || string == "." { return "" }
        return string.split(separator: "/").last.map(String.init) ?? ""
    }

    /// The extension of ``name`` with its dot (`".csv"`), or `""` (pathlib's `suffix`).
    public var suffix: String {
        let name = self.name
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex,
            name.index(after: dot) != name.endIndex
        else { return "" }
        return String(name[dot...])
    }

    /// ``name`` without ``suffix`` (pathlib's `stem`).
    public var stem: String { String(name.dropLast(suffix.count)) }

    /// The folder holding this path (`.` for a relative single component, `/` for `/`).
    public var parent: Path {
        if string == "/" || string == "." { return self }
        guard let slash = string.lastIndex(of: "/") else { return Path(".") }
        if slash == string.startIndex { return Path("/") }
        return Path(String(string[..<slash]))
    }

    /// Whether the path is absolute.
    public var isAbsolute: Bool { string.hasPrefix("/") }

    /// The path as a file URL.
    public var url: URL { URL(fileURLWithPath: string) }

    /// Whether something exists at the path.
    public var exists: Bool { FileManager.default.fileExists(atPath: string) }

    /// Whether the path is an existing directory.
    public var isDirectory: Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: string, isDirectory: &directory) && directory.boolValue
    }

    /// The entries of this directory, sorted by name (fastai's `Path.ls`, in a fixed order).
    ///
    /// - Throws: ``TrainingError`` when the path is not a readable directory.
    public func ls() throws -> [Path] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: string)
        } catch {
            throw TrainingError("cannot list \(string): \(error.localizedDescription)")
        }
        return names.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }.map {
            self / $0
        }
    }

    /// The path with its ``suffix`` replaced by `suffix` (pathlib's `with_suffix`).
    public func withSuffix(_ suffix: String) -> Path {
        parent / (stem + suffix)
    }

    /// The text of the path.
    public var description: String { string }

    /// Orders paths by their text, Unicode scalar by scalar (deterministic, like Python's `sorted`).
    public static func < (lhs: Path, rhs: Path) -> Bool {
        lhs.string.unicodeScalars.lexicographicallyPrecedes(rhs.string.unicodeScalars)
    }

    private static func normalize(_ text: String) -> String {
        let absolute = text.hasPrefix("/")
        let parts = text.split(separator: "/").filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
