/// Checks every disk image before anything is registered: `qemu-img info` must read it as the expected format, with
/// no backing file and the spec's virtual size, and its own header must say the same format.
struct VerifyStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        await context.enter(.verifying)
        let size = context.request.spec.diskSize.bytes
        var runner = context.runner
        runner.tailLines = 10_000
        for disk in context.disks {
            let outcome = try await runner.runChecked(
                context.tools.qemuImg, QemuImgCommand.info(disk.path, format: disk.format))
            guard let info = QemuImageInfo.parse(outcome.tailText) else {
                throw .outputInvalid(format: disk.format.rawValue, reason: "qemu-img info printed no readable JSON")
            }
            if let problem = info.problem(expected: disk.format, virtualSize: size) {
                throw .outputInvalid(format: disk.format.rawValue, reason: problem)
            }
            let header = try FileBytes.prefix(disk.path, count: SourceSniffer.headerBytes)
            if disk.format == .raw, context.boot != .none {
                if let problem = Self.partitionTableProblem(try FileBytes.prefix(disk.path, count: 1024)) {
                    throw .outputInvalid(format: "raw", reason: problem)
                }
            } else if let problem = Self.headerProblem(SourceSniffer.detect(header: header), format: disk.format) {
                throw .outputInvalid(format: disk.format.rawValue, reason: problem)
            }
            await context.log.write(
                "Verifying",
                "\(FilePaths.lastComponent(disk.path)): \(info.format), \(info.virtualSize) bytes, no backing file")
        }
    }

    /// A disk that boots on its own starts with a protective MBR (0x55AA at 510) and a GPT header ("EFI PART" at 512).
    static func partitionTableProblem(_ head: [UInt8]) -> String? {
        guard head.count >= 520 else { return "it is shorter than a partition table" }
        guard head[510] == 0x55, head[511] == 0xAA else { return "it has no MBR boot signature" }
        guard Array(head[512..<520]) == Array("EFI PART".utf8) else { return "it has no GPT header" }
        return nil
    }

    /// What the file's own magic says, against what it should be. A raw disk must hold the ext4 superblock.
    static func headerProblem(_ content: SourceSniffer.Content, format: ImageFormat) -> String? {
        let expected =
            switch format {
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
