import Foundation
import Training

extension ArchiveStore {
    /// One archive of a classroom mirror.
    public struct MirroredFile: Sendable, Hashable {
        /// The file name (`oxford-iiit-pet.tgz`), the same on the mirror as on fastai's server.
        public var name: String
        /// Its size in bytes.
        public var size: Int
        /// Whether this call copied it (false: the mirror already had it, same size).
        public var copied: Bool
    }

    /// Copies every archive this data root has (`archives/`, which holds only checked files) into
    /// `folder`, the folder a classroom mirror serves (`khru serve --data`, or any HTTP server).
    ///
    /// Idempotent: a file the mirror already has with the same size is kept. Each copy is written as
    /// `<name>.part` and renamed when complete, so a mirror never serves half a file.
    ///
    /// - Returns: The archives, sorted by name.
    /// - Throws: ``DownloadError/fileSystem(path:reason:)`` when a file cannot be read or written.
    public func mirror(to folder: Path) throws(DownloadError) -> [MirroredFile] {
        do {
            try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        } catch {
            throw .fileSystem(
                path: folder.string, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: archives.string)) ?? []).filter {
            !$0.hasPrefix(".") && !$0.hasSuffix(".part") && RemoteArchive.stem(of: $0) != nil
        }
        var result: [MirroredFile] = []
        for name in names.sorted() {
            let source = archives / name
            let target = folder / name
            guard let size = fileSize(source) else { continue }
            if fileSize(target) == size {
                result.append(MirroredFile(name: name, size: size, copied: false))
                continue
            }
            let part = folder / (name + ".part")
            try? FileManager.default.removeItem(at: part.url)
            do {
                try FileManager.default.copyItem(at: source.url, to: part.url)
            } catch {
                try? FileManager.default.removeItem(at: part.url)
                throw .fileSystem(
                    path: target.string, reason: "cannot copy \(source): \(error.localizedDescription)")
            }
            guard fileSize(part) == size else {
                try? FileManager.default.removeItem(at: part.url)
                throw .fileSystem(path: target.string, reason: "the copy of \(source) is incomplete")
            }
            try? FileManager.default.removeItem(at: target.url)
            guard rename(part.string, target.string) == 0 else {
                try? FileManager.default.removeItem(at: part.url)
                throw .fileSystem(
                    path: target.string,
                    reason: "cannot rename \(part.name): \(String(cString: strerror(errno)))")
            }
            result.append(MirroredFile(name: name, size: size, copied: true))
        }
        return result
    }
}
