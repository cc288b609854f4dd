import Foundation

/// Packs the `ovf` output: the `.ovf` descriptor, the `.mf` manifest of SHA-256 sums and the verified
/// streamOptimized vmdk, in that order, in one `.ova` tar. Other formats' disks are their own outputs.
struct PackageStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        for disk in context.disks {
            guard disk.format == .ovf else {
                context.outputs.append(disk)
                continue
            }
            await context.enter(.packaging(format: disk.format.rawValue))
            context.outputs.append(StagedOutput(format: .ovf, path: try await pack(disk, context: context)))
        }
    }

    private func pack(_ disk: StagedOutput, context: BuildContext) async throws(BuildError) -> String {
        let name = context.request.outputName
        let folder = context.work.output
        let diskName = FilePaths.lastComponent(disk.path)
        let descriptor = OvfDescriptor(
            name: name, diskFile: diskName, diskFileSize: try FileSystem.size(disk.path),
            capacityBytes: context.request.spec.diskSize.bytes)
        let ovf = "\(folder)/\(name).ovf"
        try FileSystem.writeNewFile(ovf, Array(descriptor.xml.utf8))
        let ovfSum = try await FileChecksum.computeOffPool(.sha256, path: ovf)
        let diskSum = try await FileChecksum.computeOffPool(.sha256, path: disk.path)
        let manifest = "\(folder)/\(name).mf"
        try FileSystem.writeNewFile(
            manifest, Array(OvfManifest.text([("\(name).ovf", ovfSum), (diskName, diskSum)]).utf8))
        let ova = "\(folder)/\(name).\(ImageFormat.ovf.outputExtension)"
        let members = [("\(name).ovf", ovf), ("\(name).mf", manifest), (diskName, disk.path)]
        let now = Int(Date().timeIntervalSince1970)
        try await OffThread.run { () throws(BuildError) in
            try OvaWriter.write(ova, members: members, modificationTime: now)
        }
        await context.log.write("Packaging", "\(FilePaths.lastComponent(ova)): \(name).ovf, \(name).mf, \(diskName)")
        return ova
    }
}
