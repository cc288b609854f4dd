/// Records the SHA-256 and size of every final output, streamed from disk (holes of a sparse raw disk are hashed
/// without being read, see ``FileChecksum``). The outputs are hashed at once, each on a thread of its own: a raw
/// disk and its qcow2 do not wait for each other.
struct ChecksumStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.checksumming)
        let paths = context.outputs.map(\.path)
        let results = await withTaskGroup(of: (Int, Result<String, BuildError>).self) { group in
            for (index, path) in paths.enumerated() {
                group.addTask {
                    do throws(BuildError) {
                        return (index, .success(try await FileChecksum.computeOffPool(.sha256, path: path)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<String, BuildError>?](repeating: nil, count: paths.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        for (path, result) in zip(paths, results) {
            guard let result else { continue }
            let sha256 = try result.get()
            context.checksums[path] = (sha256, try FileSystem.size(path))
            await context.log.write("Checksumming", "\(FilePaths.lastComponent(path)) sha256:\(sha256)")
        }
    }
}
