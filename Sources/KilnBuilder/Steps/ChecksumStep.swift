/// Records the SHA-256 and size of every final output, streamed from disk.
struct ChecksumStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.checksumming)
        for output in context.outputs {
            let sha256 = try await FileChecksum.computeOffPool(.sha256, path: output.path)
            context.checksums[output.path] = (sha256, try FileSystem.size(output.path))
            await context.log.write("Checksumming", "\(FilePaths.lastComponent(output.path)) sha256:\(sha256)")
        }
    }
}
