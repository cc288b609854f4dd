import Glibc

/// Creates the work directory (mode 0700: a root filesystem may hold setuid programs) and removes it, whole, at
/// the end.
struct WorkspaceStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        let path = context.request.workDirectory
        guard path.hasPrefix("/"), FilePaths.lexicallyNormalized(path) != "/" else {
            throw .fileSystem(
                operation: "using as work folder", path: path, reason: "it must be an absolute path below /")
        }
        if FileSystem.exists(path) {
            guard FileSystem.isDirectory(path), try Self.isEmpty(path) else {
                throw .fileSystem(
                    operation: "using as work folder", path: path,
                    reason: "it exists and is not an empty folder (left by a crashed execution?); remove it")
            }
        }
        try FileSystem.makeDirectories(path, mode: 0o700)
        let workspace = Workspace(root: FilePaths.realPath(path) ?? path)
        context.workspace = workspace
        try FileSystem.makeDirectories(workspace.rootfs, mode: 0o755)
        try FileSystem.makeDirectories(workspace.scripts, mode: 0o700)
        try FileSystem.makeDirectories(workspace.output, mode: 0o700)
    }

    /// Removes the work folder only once this step took it: a folder that was refused (not empty) is not Kiln's.
    func cleanup(_ context: BuildContext, succeeded: Bool) async {
        guard let path = context.workspace?.root else { return }
        if let removal = context.rootfsRemoval {
            let start = ContinuousClock.now
            await removal.value
            let waited = start.duration(to: .now)
            if waited >= .milliseconds(100) {
                await context.log.write(
                    "kiln", "timing: waited \(StepRunner.seconds(waited)) for the root filesystem's copy to be removed")
            }
        }
        if let bootFiles = context.buildVMBootFiles {
            bootFiles.cancel()
            _ = await bootFiles.value
        }
        do throws(BuildError) {
            try FileSystem.removeTree(path)
        } catch {
            await context.log.write("kiln", "could not remove the work folder: \(error)")
        }
    }

    private static func isEmpty(_ path: String) throws(BuildError) -> Bool {
        guard let dir = opendir(path) else {
            throw .fileSystem(operation: "reading", path: path, reason: FileSystem.errorText())
        }
        defer { closedir(dir) }
        var count = 0
        while readdir(dir) != nil { count += 1 }
        return count <= 2
    }
}
