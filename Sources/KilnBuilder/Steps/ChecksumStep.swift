/// Records the SHA-256 and size of every final output, streamed from disk (holes of a sparse raw disk are hashed
/// without being read, see ``FileChecksum``). The outputs are hashed at once, each on a thread of its own: a raw
/// disk and its qcow2 do not wait for each other.
struct ChecksumStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.checksumming)
        let paths = context.outputs.map(\.path)
        // One task per output, awaited in order (a task group with typed-throws child closures trapped in a release
        // build of Swift 6.3.1, so each task calls a plain function that returns a Result).
        let digests = paths.map { path in context.earlyDigests[path] ?? Task { await Self.sha256(path) } }
        for (path, digest) in zip(paths, digests) {
            let sha256 = try await digest.value.get()
            context.checksums[path] = (sha256, try FileSystem.size(path))
            await context.log.write("Checksumming", "\(FilePaths.lastComponent(path)) sha256:\(sha256)")
        }
    }

    static func sha256(_ path: String) async -> Result<String, BuildError> {
        do {
            return .success(try await FileChecksum.computeOffPool(.sha256, path: path))
        } catch {
            return .failure(error)
        }
    }
}
