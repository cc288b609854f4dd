import KilnSpec

/// Gets the source archive: nothing for `scratch`, the cache or a verified download for `url`, the commit's file
/// (verified when a checksum is given) for `path`.
struct SourceStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.fetching)
        switch context.request.spec.source {
        case .scratch:
            await context.log.write("Fetching", "scratch: starting from an empty root filesystem")
        case .url(let url, let checksum):
            let cache = SourceCache(directory: context.request.cacheDirectory)
            if let cached = try await cache.verifiedFile(for: checksum, log: context.log) {
                await context.log.write(
                    "Fetching", "\(url): found in the cache by \(checksum.algorithm.rawValue), not fetched again")
                context.sourceArchive = cached
            } else {
                let downloader = HTTPDownloader(limits: context.request.limits)
                context.sourceArchive = try await cache.fetch(
                    url, checksum: checksum, downloader: downloader, log: context.log)
            }
        case .debian, .image:
            break
        case .path(let path, let checksum):
            let bytes: [UInt8]
            do {
                bytes = try context.request.files.read(path)
            } catch {
                throw .sourceUnreadable(path: path, reason: String(describing: error))
            }
            if let checksum {
                var hasher = StreamingHasher(checksum.algorithm)
                bytes.withUnsafeBytes { hasher.update($0) }
                let digest = hasher.finalize()
                guard digest == checksum.hex else {
                    throw .checksumMismatch(
                        source: path, expected: checksum.description,
                        actual: "\(checksum.algorithm.rawValue):\(digest)")
                }
            }
            let file = context.work.source
            try FileSystem.writeNewFile(file, bytes, mode: 0o600)
            context.sourceArchive = file
            await context.log.write(
                "Fetching",
                "\(path): \(bytes.count) bytes from the commit" + (checksum == nil ? "" : ", checksum verified"))
        }
    }
}
