/// Converts the raw disk to every other requested format with `qemu-img convert`.
struct ConvertStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        guard let raw = context.disks.first(where: { $0.format == .raw }) else { return }
        for format in context.formats where format != .raw {
            await context.enter(.converting(format: format.rawValue))
            let name = format == .ovf ? "\(context.request.outputName)-disk1" : context.request.outputName
            let output = "\(context.work.output)/\(name).\(format.diskExtension)"
            _ = try await context.runner.runChecked(
                context.tools.qemuImg, QemuImgCommand.convert(raw: raw.path, to: output, format: format))
            context.disks.append(StagedOutput(format: format, path: output))
        }
    }
}
