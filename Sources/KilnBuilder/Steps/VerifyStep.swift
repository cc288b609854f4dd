/// Checks every disk image before anything is registered: `qemu-img info` must read it as the expected format, with
/// no backing file and the spec's virtual size, and its own header must say the same format.
struct VerifyStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.verifying)
        let size = context.request.spec.diskSize.bytes
        var runner = context.runner
        runner.tailLines = 10_000
        for disk in context.disks {
            let outcome = try await runner.runChecked(context.tools.qemuImg, QemuImgCommand.info(disk.path, format: disk.format))
            guard let info = QemuImageInfo.parse(outcome.tailText) else {
                throw .outputInvalid(format: disk.format.rawValue, reason: "qemu-img info printed no readable JSON")
            }
            if let problem = info.problem(expected: disk.format, virtualSize: size) {
                throw .outputInvalid(format: disk.format.rawValue, reason: problem)
            }
            let header = try FileBytes.prefix(disk.path, count: SourceSniffer.headerBytes)
            if let problem = Self.headerProblem(SourceSniffer.detect(header: header), format: disk.format) {
                throw .outputInvalid(format: disk.format.rawValue, reason: problem)
            }
            await context.log.write("Verifying", "\(FilePaths.lastComponent(disk.path)): \(info.format), \(info.virtualSize) bytes, no backing file")
        }
    }

    /// What the file's own magic says, against what it should be. A raw disk must hold the ext4 superblock.
    static func headerProblem(_ content: SourceSniffer.Content, format: ImageFormat) -> String? {
        let expected = switch format {
        case .raw: "raw ext2/3/4 filesystem"
        case .qcow2: "qcow2"
        case .vmdk, .ovf: "vmdk"
        case .vhd: "vhd"
        case .vhdx: "vhdx"
        }
        guard case .diskImage(let found, let backing) = content else {
            return "its header is not that of a \(expected) image"
        }
        if found != expected { return "its header is that of a \(found) image, not \(expected)" }
        if let backing { return "its header names a backing file (\(backing))" }
        return nil
    }
}
