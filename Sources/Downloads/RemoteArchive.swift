import Foundation
import Training

/// An archive on the web that ``untarData(_:root:)`` can download, check and unpack.
///
/// fastai's archives carry the size and checksum fastai publishes (``Check/fastai(size:md5OfFirstMiB:)``);
/// any other URL is checked against what its first download recorded (``Check/recorded``).
public struct RemoteArchive: Sendable, Hashable, CustomStringConvertible {
    /// How a downloaded file is known to be the right one.
    public enum Check: Sendable, Hashable {
        /// fastai's check (`fastdownload.path_stats`): the file's size in bytes and the MD5 of its
        /// first MiB (2^20 bytes), as fastai's `download_checks.py` lists them.
        case fastai(size: Int, md5OfFirstMiB: String)
        /// The size and SHA-256 of the whole file, recorded in `<data root>/downloads.json` by the
        /// first download and required of every later one.
        case recorded
    }

    /// Where the archive is published (a mirror serves it under the same file name).
    public let url: URL
    /// How a download is checked.
    public internal(set) var check: Check
    /// The offline stand-in Khru ships for this dataset (a `DataSource` name such as `digits`), if any.
    public let standIn: String?

    /// An archive with fastai's size and checksum.
    ///
    /// - Precondition: `url` is an `http(s)` URL ending in a file name (a programmer error otherwise:
    ///   the table is written by hand).
    public init(_ url: String, size: Int, md5: String, standIn: String?) {
        guard let parsed = try? Self.parse(url) else { preconditionFailure("not an archive URL: \(url)") }
        self.url = parsed
        self.check = .fastai(size: size, md5OfFirstMiB: md5)
        self.standIn = standIn
    }

    /// Any archive URL; its checksum is recorded on its first download.
    ///
    /// - Throws: ``DownloadError/badURL(_:reason:)`` unless it is an `http`/`https` URL whose last
    ///   component is an archive (`.tgz`, `.tar.gz`, `.tar`, `.tar.bz2`, `.tar.xz`, `.zip`).
    public init(url: String) throws(DownloadError) {
        self.url = try Self.parse(url)
        self.check = .recorded
        self.standIn = nil
    }

    /// The archive's file name, its URL's last component (`oxford-iiit-pet.tgz`).
    public var fileName: String { url.lastPathComponent }

    /// The folder it unpacks to under the data root: the file name without its archive suffix
    /// (`oxford-iiit-pet`), as fastai names it.
    public var folderName: String { Self.stem(of: fileName) ?? fileName }

    /// The size fastai publishes, if known before downloading.
    public var expectedSize: Int? {
        if case .fastai(let size, _) = check { return size }
        return nil
    }

    /// The URL.
    public var description: String { url.absoluteString }

    /// The archive suffixes ``untarData(_:root:)`` unpacks, longest first.
    static let suffixes = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip"]

    /// `name` without its archive suffix, or nil when it has none (or nothing before it).
    static func stem(of name: String) -> String? {
        for suffix in suffixes where name.lowercased().hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return nil
    }

    private static func parse(_ text: String) throws(DownloadError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else { throw .badURL(text, reason: "only http:// and https:// URLs can be downloaded") }
        let name = url.lastPathComponent
        guard let stem = stem(of: name), !stem.hasPrefix("."), !name.contains("\\") else {
            throw .badURL(
                text,
                reason: "its last component '\(name)' is not an archive (.tgz, .tar.gz, .tar, .tar.bz2, "
                    + ".tar.xz, .zip)")
        }
        return url
    }
}

/// fastai's URLs (`fastai.data.external.URLs`): the buckets its archives are published in.
public enum FastaiURLs {
    /// `URLs.S3_IMAGE`: image classification.
    public static let imageClassification = "https://s3.amazonaws.com/fast-ai-imageclas/"
    /// `URLs.S3_IMAGELOC`: image localization.
    public static let imageLocalization = "https://s3.amazonaws.com/fast-ai-imagelocal/"
}

// MARK: - fastai's archives: one line each

// URLs from fastai's `fastai/data/external.py` (class `URLs`); sizes and MD5s of the first MiB from
// fastai's `fastai/data/download_checks.py`, the table its `untar_data` checks through fastdownload
// (its older `checks.txt` agrees for all but imagenette2, which was re-published since). The stand-in
// is the offline dataset Khru ships for the same lesson (`../shared` data-sources: "pets" → digits,
// "ImageNet" → Fashion-MNIST, PASCAL → multi-label canvases, Biwi → head-pose frames).
// swift-format-ignore
extension DataSource {
    /// Oxford-IIIT Pet (`URLs.PETS`): photos of 37 cat and dog breeds, `images/` and `annotations/`.
    public static let pets = DataSource(archive: RemoteArchive(FastaiURLs.imageClassification + "oxford-iiit-pet.tgz", size: 811_706_944, md5: "e4db5c768afd933bb91f5f594d7417a4", standIn: "digits"))
    /// PASCAL VOC 2007 (`URLs.PASCAL_2007`): `train/`, `test/`, `train.csv` (fname, labels, is_valid).
    public static let pascal2007 = DataSource(archive: RemoteArchive(FastaiURLs.imageLocalization + "pascal_2007.tgz", size: 1_637_796_771, md5: "433b4706eb7c42bd74e7f784e3fdf244", standIn: "multiLabel"))
    /// Biwi Kinect head pose (`URLs.BIWI_HEAD_POSE`): 24 subject folders of `*_rgb.jpg` and `*_pose.txt`.
    public static let biwiHeadPose = DataSource(archive: RemoteArchive(FastaiURLs.imageLocalization + "biwi_head_pose.tgz", size: 452_316_199, md5: "00f4ccf66e8cba184bc292fdc08fb237", standIn: "headPose"))
    /// Imagenette (`URLs.IMAGENETTE`): ten easy ImageNet classes at full size, `train/` and `val/`.
    public static let imagenette = DataSource(archive: RemoteArchive(FastaiURLs.imageClassification + "imagenette2.tgz", size: 1_557_161_267, md5: "2c774ecb40005b35d7937d50f5d42336", standIn: "fashionMNIST"))
    /// MNIST as PNG files (`URLs.MNIST`): `training/` and `testing/`, one folder per digit.
    public static let mnist = DataSource(archive: RemoteArchive(FastaiURLs.imageClassification + "mnist_png.tgz", size: 15_683_414, md5: "03639f83c4e3d19e0a3a53a8a997c487", standIn: "digits"))
}
