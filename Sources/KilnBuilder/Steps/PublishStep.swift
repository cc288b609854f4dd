/// Moves the outputs into the artifact folder, all or nothing: if one move fails, the ones already moved and the
/// folders this step created are removed again.
struct PublishStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        let folder = context.request.artifactDirectory
        guard folder.hasPrefix("/") else {
            throw .fileSystem(
                operation: "publishing into", path: folder, reason: "the artifact folder must be an absolute path")
        }
        let created = try FileSystem.makeDirectories(folder)
        var moved: [String] = []
        do throws(BuildError) {
            for file in context.artifacts {
                let target = "\(folder)/\(FilePaths.lastComponent(file))"
                try FileSystem.move(file, to: target)
                moved.append(target)
            }
            for output in context.outputs {
                let target = "\(folder)/\(FilePaths.lastComponent(output.path))"
                guard !FileSystem.exists(target) else {
                    throw BuildError.fileSystem(
                        operation: "publishing", path: target, reason: "a file of that name is already there")
                }
                try FileSystem.move(output.path, to: target)
                moved.append(target)
                guard let sum = context.checksums[output.path] else {
                    preconditionFailure("ChecksumStep runs before PublishStep")
                }
                context.images.append(
                    BuiltImage(
                        name: context.request.outputName, format: output.format.rawValue,
                        compression: output.compression.rawValue, path: target, size: sum.size, sha256: sum.sha256,
                        boot: context.boot))
            }
        } catch {
            for path in moved.reversed() { try? FileSystem.removeTree(path) }
            for path in created.reversed() { try? FileSystem.removeTree(path) }
            context.images = []
            throw error
        }
        await context.log.write("kiln", "published \(moved.count) files in \(folder)")
    }
}
