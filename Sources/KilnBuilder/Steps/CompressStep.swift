/// Compresses each output the spec's `compress` applies to (not the `.ova`, see ``ImageFormat/isCompressed``).
struct CompressStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        guard context.compression != .none, let compressor = context.tools.compressor else { return }
        for (index, output) in context.outputs.enumerated() where output.format.isCompressed {
            await context.enter(.compressing(format: output.format.rawValue))
            _ = try await context.runner.runChecked(
                compressor, CompressCommand.arguments(context.compression, file: output.path))
            let compressed = output.path + context.compression.fileSuffix
            guard FileSystem.exists(compressed) else {
                throw .toolFailed(
                    tool: FilePaths.lastComponent(compressor), status: "exit code 0",
                    output: "\(compressed) was not written")
            }
            context.outputs[index] = StagedOutput(
                format: output.format, path: compressed, compression: context.compression)
        }
    }
}
