/// Makes the raw disk: an ext4 filesystem of the spec's size and label, filled from the root filesystem by
/// `mkfs.ext4 -d` (no mount, no loop device).
struct DiskStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.creatingDisk)
        let spec = context.request.spec
        let image = "\(context.work.output)/\(context.request.outputName).\(ImageFormat.raw.diskExtension)"
        try FileSystem.createSparseFile(image, bytes: Int64(clamping: spec.diskSize.bytes))
        let arguments = MkfsCommand.arguments(rootfs: context.work.rootfs, label: spec.diskLabel, image: image, bytes: spec.diskSize.bytes)
        let outcome = try await context.runner.run(context.tools.mkfsExt4, arguments)
        guard outcome.succeeded else {
            let hint = outcome.tail.contains { $0.contains("Could not allocate") || $0.contains("No space") }
                ? " (the root filesystem does not fit: raise disk.size)" : ""
            throw .toolFailed(tool: "mkfs.ext4", status: outcome.status.description + hint, output: outcome.tailText)
        }
        context.disks.append(StagedOutput(format: .raw, path: image))
        await context.log.write("Creating disk", "ext4 \(spec.diskSize) labelled \(spec.diskLabel)")
    }
}
