import Checksums
import Foundation
import Reporting

/// The run cache under `output/.cache/`: one entry per cell run, keyed by ``CellKey``, and
/// content-addressed blobs (trained weights, learner states) that entries refer to.
///
/// Layout:
///
/// ```
/// .cache/lock                 held (flock) by the khru process using the cache
/// .cache/entries/<key>.entry  "KHRUCEL1" + SHA-256 of the body (64 hex digits) + "\n" + body (JSON)
/// .cache/blobs/<sha256>       bytes whose SHA-256 is their name, shared by every entry that refers to them
/// ```
///
/// Every read is verified: an entry whose checksum, key, Khru version or machine does not match, or
/// that refers to a missing or corrupt blob, is reported once as a note, removed, and its cell runs
/// again. Writes are atomic (temporary file, then rename). The cache stays within ``sizeLimit`` by
/// removing the least recently used entries (each use touches the entry) and then the blobs no entry
/// refers to.
public final class RunCache {
    /// The cache folder (`<output>/.cache`).
    public let directory: String
    /// The most bytes entries and blobs may take after a run.
    public var sizeLimit: Int
    /// Problems found while reading (corrupt or foreign entries), each once, in order.
    public private(set) var notes: [String] = []
    private let lockDescriptor: Int32
    private var verifiedBlobs: Set<String> = []

    /// The default size limit, 2 GiB.
    public static let defaultSizeLimit = 2 << 30

    static let magic = Array("KHRUCEL1".utf8)

    /// Opens (creating) the cache under `outputDirectory` and takes its lock.
    ///
    /// - Parameters:
    ///   - outputDirectory: The reports' folder; the cache is its `.cache` subfolder.
    ///   - sizeLimit: The most bytes the cache keeps.
    ///   - waiting: Called once when another process holds the lock, before this one waits for it.
    /// - Throws: ``RunCacheError`` when the folder or lock cannot be made.
    public init(
        outputDirectory: String, sizeLimit: Int = RunCache.defaultSizeLimit,
        waiting: ((String) -> Void)? = nil
    ) throws(RunCacheError) {
        directory = (outputDirectory as NSString).appendingPathComponent(".cache")
        self.sizeLimit = sizeLimit
        for folder in [directory, directory + "/entries", directory + "/blobs"] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                let cause =
                    (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
                throw RunCacheError(path: folder, reason: "cannot create the cache folder: \(cause)")
            }
        }
        let lockPath = directory + "/lock"
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw RunCacheError(path: lockPath, reason: "cannot open the lock file")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            waiting?("\(directory) is in use by another khru process; waiting for it to finish")
            guard flock(descriptor, LOCK_EX) == 0 else {
                close(descriptor)
                throw RunCacheError(path: lockPath, reason: "cannot lock the cache")
            }
        }
        lockDescriptor = descriptor
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// What identifies this machine and build: entries made elsewhere are foreign.
    static let machine: String = {
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: name.machine) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        let system = withUnsafeBytes(of: name.sysname) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        let id =
            (try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ProcessInfo.processInfo.hostName
        return "\(system)-\(machine)-\(id)"
    }()

    // MARK: Entries

    private func entryPath(_ key: String) -> String { directory + "/entries/" + key + ".entry" }
    private func blobPath(_ hash: String) -> String { directory + "/blobs/" + hash }

    /// The verified entry stored under `key`, or `nil` (absent, or found unusable: then noted and removed).
    func entry(for key: String, cellID: String) -> CellEntry? {
        let path = entryPath(key)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        switch Self.decodeEntry(Array(data)) {
        case .failure(let problem):
            discard(path, note: "cache entry for cell '\(cellID)' is \(problem); running the cell again")
            return nil
        case .success(let entry):
            if entry.key != key || entry.cellID != cellID {
                discard(
                    path,
                    note: "cache entry for cell '\(cellID)' belongs to another cell; running the cell again")
                return nil
            }
            if entry.version != KhruVersion.current || entry.machine != Self.machine {
                discard(
                    path,
                    note: "cache entry for cell '\(cellID)' was made by another Khru version or machine; "
                        + "running the cell again")
                return nil
            }
            if let missing = entry.blobs.first(where: { blob($0) == nil }) {
                discard(
                    path,
                    note: "cache entry for cell '\(cellID)' refers to a missing or corrupt blob "
                        + "\(missing.prefix(12)); running the cell again")
                return nil
            }
            touch(path)
            return entry
        }
    }

    /// Stores `entry` under its key, atomically.
    func store(_ entry: CellEntry) {
        let body = (try? Self.encoder.encode(entry)).map(Array.init) ?? []
        guard !body.isEmpty else { return }
        let bytes = Self.magic + Array(SHA256.hex(of: body).utf8) + [UInt8(ascii: "\n")] + body
        try? ReportWriter.writeAtomically(bytes, to: entryPath(entry.key))
    }

    enum EntryProblem: Error {
        case truncated, checksumMismatch, unreadable
    }

    static func decodeEntry(_ bytes: [UInt8]) -> Result<CellEntry, EntryProblem> {
        let header = magic.count + 65
        guard bytes.count > header, Array(bytes[0..<magic.count]) == magic else {
            return .failure(.truncated)
        }
        let checksum = String(decoding: bytes[magic.count..<(header - 1)], as: UTF8.self)
        let body = Array(bytes[header...])
        guard SHA256.hex(of: body) == checksum else { return .failure(.checksumMismatch) }
        guard let entry = try? decoder.decode(CellEntry.self, from: Data(body)) else {
            return .failure(.unreadable)
        }
        return .success(entry)
    }

    // MARK: Blobs

    /// Stores `bytes` once under their SHA-256; returns the hash.
    func storeBlob(_ bytes: [UInt8]) -> String {
        let hash = SHA256.hex(of: bytes)
        if !FileManager.default.fileExists(atPath: blobPath(hash)) {
            try? ReportWriter.writeAtomically(bytes, to: blobPath(hash))
        }
        verifiedBlobs.insert(hash)
        return hash
    }

    /// The bytes stored under `hash`, verified, or `nil`.
    func blob(_ hash: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: blobPath(hash)) else { return nil }
        let bytes = Array(data)
        if !verifiedBlobs.contains(hash) {
            guard SHA256.hex(of: bytes) == hash else {
                try? FileManager.default.removeItem(atPath: blobPath(hash))
                return nil
            }
            verifiedBlobs.insert(hash)
        }
        touch(blobPath(hash))
        return bytes
    }

    // MARK: Upkeep

    /// Removes the least recently used entries until the cache fits ``sizeLimit``, then every blob
    /// no entry refers to.
    public func evict() {
        let manager = FileManager.default
        struct Item {
            var path: String
            var size: Int
            var used: Date
            var blobs: [String]
        }
        let entryFolder = directory + "/entries"
        var items: [Item] = []
        for name in (try? manager.contentsOfDirectory(atPath: entryFolder)) ?? []
        where name.hasSuffix(".entry") {
            let path = entryFolder + "/" + name
            let attributes = try? manager.attributesOfItem(atPath: path)
            let blobs: [String]
            if let data = manager.contents(atPath: path),
                case .success(let entry) = Self.decodeEntry(Array(data))
            {
                blobs = entry.blobs
            } else {
                blobs = []
            }
            items.append(
                Item(
                    path: path, size: (attributes?[.size] as? Int) ?? 0,
                    used: (attributes?[.modificationDate] as? Date) ?? .distantPast, blobs: blobs))
        }
        var blobSizes: [String: Int] = [:]
        for name in (try? manager.contentsOfDirectory(atPath: directory + "/blobs")) ?? [] {
            let attributes = try? manager.attributesOfItem(atPath: blobPath(name))
            blobSizes[name] = (attributes?[.size] as? Int) ?? 0
        }
        items.sort { $0.used > $1.used }
        var kept: [Item] = []
        var referenced: Set<String> = []
        var total = 0
        for item in items {
            let newBlobs = Set(item.blobs).subtracting(referenced)
            let size = item.size + newBlobs.reduce(0) { $0 + (blobSizes[$1] ?? 0) }
            if total + size > sizeLimit {
                try? manager.removeItem(atPath: item.path)
                continue
            }
            total += size
            referenced.formUnion(newBlobs)
            kept.append(item)
        }
        for name in blobSizes.keys where !referenced.contains(name) && !name.hasPrefix(".") {
            try? manager.removeItem(atPath: blobPath(name))
        }
    }

    private func discard(_ path: String, note: String) {
        try? FileManager.default.removeItem(atPath: path)
        if !notes.contains(note) { notes.append(note) }
    }

    private func touch(_ path: String) {
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: path)
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()
}

/// The cache folder or its lock could not be made.
public struct RunCacheError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file or folder.
    public var path: String
    /// Why.
    public var reason: String

    public var description: String { "\(path): error: \(reason)" }
}
