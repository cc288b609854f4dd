/// Why an image could not be imported. ``isTerminal`` tells a refusal (the same bytes will be refused again) from
/// a failure that may pass next time (a network error, a full disk).
public enum ImageImportError: Error, Sendable, CustomStringConvertible {
    /// The file's bytes are refused: a backing file, an external data file, extents, a format mismatch, a size over
    /// the cap.
    case refused(file: String, reason: String)
    case checksumMismatch(url: String, expected: String, actual: String)
    /// The package holds no disk: what it does hold.
    case noDisk(package: String, found: [String])
    case severalDisks(package: String, disks: [String])
    /// An OVA's descriptor references files outside the archive.
    case ovfOutside(ovf: String, references: [String])
    /// Fetching, unpacking or a tool failed.
    case failed(BuildError)

    public var isTerminal: Bool {
        switch self {
        case .refused, .checksumMismatch, .noDisk, .severalDisks, .ovfOutside: true
        case .failed(let error):
            switch error {
            case .urlRefused, .tooManyRedirects, .downloadTooLarge, .notAnArchive, .unsafeArchiveEntry,
                .archiveLimitExceeded:
                true
            default: false
            }
        }
    }

    public var description: String {
        switch self {
        case .refused(let file, let reason): "\(file) is refused: \(reason)"
        case .checksumMismatch(let url, let expected, let actual):
            "\(url) does not match its checksum: expected \(expected), got \(actual)"
        case .noDisk(let package, let found):
            "\(package) holds no disk image (qcow2, vmdk, raw, vhd, vhdx, or an .ova's disk); found: \(found.isEmpty ? "nothing" : found.joined(separator: ", "))"
        case .severalDisks(let package, let disks):
            "\(package) holds \(disks.count) disk images (\(disks.joined(separator: ", "))); an image package must hold exactly one"
        case .ovfOutside(let ovf, let references):
            "the OVF descriptor \(ovf) references files outside the archive: \(references.joined(separator: ", "))"
        case .failed(let error): "\(error)"
        }
    }
}
