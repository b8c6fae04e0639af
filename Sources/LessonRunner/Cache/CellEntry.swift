import Checksums
import Foundation
import LessonSource
import Reporting

/// One cached cell run: its report, what it defined, the files it read, and what its training calls
/// left behind.
struct CellEntry: Codable {
    /// The key it is stored under (checked against the file name, so swapped entries are found).
    var key: String
    /// The Khru version and machine that made it.
    var version: String
    var machine: String
    var cellID: String
    /// The report; locations in the lesson file are relative to the cell (``LocationRebase``), so the
    /// English and Thai lessons share it.
    var report: CellReport
    /// The names the cell defined (bound by it when it ended).
    var definedNames: [String]
    /// Each file or folder the cell's steps were given, with its fingerprint when the cell ran.
    var files: [String: String]
    /// One per training or measuring call, in call order.
    var effects: [StepEffect]

    /// The blobs the entry refers to.
    var blobs: [String] { effects.flatMap { [$0.weights, $0.state, $0.result].compactMap(\.self) } }
}

/// What one call that a replay must not run again left behind: a training call (`fit`, `fitOneCycle`,
/// `fineTune`), a call whose result comes from the clock (`ResNetArchitecture.profile`), or both
/// (`lrFind`: it trains, puts the model back and returns the curve it measured).
///
/// For training: the learner's weights and optimizer moments (a checkpoint blob), the rest of its state
/// (a ``Training/LearnerState`` blob) and the cell's random stream position; without blobs, replay runs
/// the call again. For a measurement: its result, encoded (a blob), which replay returns instead of
/// measuring again, so that a report's table and its checks cannot disagree.
struct StepEffect: Codable {
    /// `Learner.fitOneCycle`.
    var step: String
    var weights: String?
    var state: String?
    var randomPosition: UInt64
    /// The measured result, encoded by ``MeasuredSteps``.
    var result: String?
}

/// The cache key of a cell: a hash chain over everything its result depends on.
enum CellKey {
    /// The key of `cell` after the cell whose chained key is `previous`.
    static func key(for cell: Cell, previous: String, seed: UInt64) -> String {
        // Only the attributes that change what the cell computes: toggling `.hidden` reruns nothing.
        let parts = [
            "khru-cell-v2", previous, KhruVersion.current, KhruVersion.build, String(seed), cell.id,
            cell.code, cell.attributes.resultKey,
        ]
        return hash(parts)
    }

    /// The key the next cell chains on: `key` with the fingerprints of the files the cell read.
    static func chained(_ key: String, files: [String: String]) -> String {
        hash([key] + files.keys.sorted().flatMap { [$0, files[$0] ?? ""] })
    }

    /// SHA-256 of the parts, each length-prefixed so no two lists hash alike.
    static func hash(_ parts: [String]) -> String {
        var bytes: [UInt8] = []
        for part in parts {
            let utf8 = Array(part.utf8)
            bytes += Array(String(utf8.count).utf8) + [UInt8(ascii: ":")] + utf8
        }
        return SHA256.hex(of: bytes)
    }
}

/// Fingerprints of the files and folders cells read.
///
/// A file is fingerprinted by its size and SHA-256; a folder by the relative path, size and
/// modification time of every file under it (hashing whole image datasets would cost more than
/// the cells save).
final class FileFingerprints {
    private var known: [String: String] = [:]

    /// The fingerprint of `path` (`missing` when there is nothing there).
    func fingerprint(_ path: String) -> String {
        if let value = known[path] { return value }
        let value = Self.compute(path)
        known[path] = value
        return value
    }

    /// Forgets what was computed (a cell may have written the files).
    func forget() { known.removeAll() }

    private static func compute(_ path: String) -> String {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else { return "missing" }
        if !isDirectory.boolValue {
            guard let data = manager.contents(atPath: path) else { return "unreadable" }
            return "file \(data.count) " + SHA256.hex(of: Array(data))
        }
        var lines: [String] = []
        if let walker = manager.enumerator(atPath: path) {
            while let relative = walker.nextObject() as? String {
                let attributes = walker.fileAttributes ?? [:]
                guard attributes[.type] as? FileAttributeType != .typeDirectory else { continue }
                let size = attributes[.size] as? Int ?? 0
                let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                lines.append("\(relative) \(size) \(modified)")
            }
        }
        return "folder " + CellKey.hash(lines.sorted())
    }
}

/// Moves the locations of a cell's outputs between the lesson file and the cell, so a report cached
/// from `lessons/en/x.md` shows `lessons/th/x.md` positions when the Thai lesson reuses it.
enum LocationRebase {
    /// `report` with every location in `lesson` made relative to `cell` (file `""`, line from the fence).
    static func relative(_ report: CellReport, cell: Cell, lesson: String) -> CellReport {
        map(report) { location in
            guard location.file == lesson else { return location }
            return SourceLocation(file: "", line: location.line - cell.location.line, column: location.column)
        }
    }

    /// `report` with relative locations placed back in `lesson` at `cell`.
    static func absolute(_ report: CellReport, cell: Cell, lesson: String) -> CellReport {
        map(report) { location in
            guard location.file.isEmpty else { return location }
            return SourceLocation(
                file: lesson, line: location.line + cell.location.line, column: location.column)
        }
    }

    private static func map(
        _ report: CellReport, _ transform: (SourceLocation) -> SourceLocation
    ) -> CellReport {
        func diagnostic(_ value: Diagnostic) -> Diagnostic {
            Diagnostic(
                value.severity, value.message, at: transform(value.location),
                notes: value.notes.map(diagnostic))
        }
        var result = report
        result.outputs = report.outputs.map { output in
            switch output {
            case .check(var check):
                check.location = transform(check.location)
                return .check(check)
            case .error(let error): return .error(diagnostic(error))
            default: return output
            }
        }
        return result
    }
}
