import Glibc
import KilnSpec

/// Downloaded sources kept by checksum: `<cache>/<algorithm>/<hex>`. A file is only ever put there by an atomic
/// rename after its digest matched, so a cached file is complete; it is hashed again before each use anyway, and a
/// file that no longer matches (disk corruption, tampering) is removed and fetched again.
struct SourceCache: Sendable {
    var directory: String

    func path(for checksum: Checksum) -> String {
        "\(directory)/\(checksum.algorithm.rawValue)/\(checksum.hex)"
    }

    /// The cached file for `checksum` if present and still matching.
    func verifiedFile(for checksum: Checksum, log: BuildLog) async throws(BuildError) -> String? {
        let path = path(for: checksum)
        guard FileSystem.exists(path) else { return nil }
        let digest = try await FileChecksum.computeOffPool(checksum.algorithm, path: path)
        if digest == checksum.hex { return path }
        await log.write(
            "Fetching", "cached \(path) no longer matches its checksum (\(digest)); removing it and fetching again")
        try FileSystem.removeTree(path)
        return nil
    }

    /// Downloads `url` into the cache, verified before it gets its cache name; nothing stays behind on failure.
    func fetch(
        _ url: String, checksum: Checksum, downloader: HTTPDownloader, log: BuildLog
    ) async throws(BuildError) -> String {
        let folder = FilePaths.parent(path(for: checksum))
        try FileSystem.makeDirectories(folder)
        let incoming = "\(folder)/.incoming-\(checksum.hex.prefix(16))-\(UInt64.random(in: 0...UInt64.max))"
        do throws(BuildError) {
            let download = try await downloader.download(url, to: incoming, algorithm: checksum.algorithm)
            guard download.digest == checksum.hex else {
                throw BuildError.checksumMismatch(
                    source: url, expected: checksum.description,
                    actual: "\(checksum.algorithm.rawValue):\(download.digest)")
            }
            let final = path(for: checksum)
            guard rename(incoming, final) == 0 else {
                throw BuildError.fileSystem(
                    operation: "storing the download as", path: final, reason: FileSystem.errorText())
            }
            await log.write(
                "Fetching",
                "downloaded \(download.bytes) bytes from \(download.finalURL), \(checksum.algorithm.rawValue) verified")
            return final
        } catch {
            try? FileSystem.removeTree(incoming)
            throw error
        }
    }
}
