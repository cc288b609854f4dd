/// Starts hashing the raw disk as soon as nothing writes it any more (after the build VM, before boot verification,
/// which boots snapshots of it, and conversion, which reads it), when the raw disk is itself a final output (not
/// compressed later). ``ChecksumStep`` waits for that digest instead of hashing the disk again, so the raw disk's
/// sha256 (seconds for gigabytes of zeros, all CPU) runs beside the boots and `qemu-img convert`.
struct EarlyChecksumStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        guard context.formats.contains(.raw), context.compression == .none,
            let raw = context.disks.first(where: { $0.format == .raw })
        else { return }
        let path = raw.path
        context.earlyDigests[path] = Task { await ChecksumStep.sha256(path) }
    }

    /// A failed or cancelled execution still waits for the hashing it started (a thread reading the disk), so the
    /// work folder is not removed under it.
    func cleanup(_ context: BuildContext, succeeded: Bool) async {
        for task in context.earlyDigests.values { _ = await task.value }
    }
}
