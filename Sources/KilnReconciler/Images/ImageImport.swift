import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// Makes an imported Image's next file on this host (`images/<name>/<version>.qcow2`), from its URL or from a stopped
/// VM's disk that this host runs: what the reconciler's own pass does on one host, and what the host that claimed an
/// import's work does in a fleet (``ImageWorkRunner``).
struct ImageImport: Sendable {
    let catalog: any Catalog
    let importer: (any ImageImportDriver)?
    let vms: any VMDriver
    let paths: DataPaths
    let now: @Sendable () -> Date

    var files: FileKeeper { FileKeeper(catalog: catalog, paths: paths, now: now) }

    /// Makes the file of `image`'s next version and returns the record pointing at it (ACTIVE, version raised), not
    /// saved. A failure removes what it began; the thrown ``ActionFailure`` says whether trying again can help.
    func make(_ image: ImageRecord, source: ImageImportSource) async throws -> ImageRecord {
        let name = image.name
        guard let importer else {
            throw ActionFailure(
                .badRequest, "this Kiln was started without an image importer, so Image \(name) cannot be made")
        }
        let key = ObjectKey(.image, name)
        let version = image.version + 1
        let output = paths.image(name: name, version: version)
        try await files.register(paths.images(name: name), owner: key, type: .directory)
        try await files.register(output, owner: key, type: .file)
        let imported: ImportedDisk
        do {
            switch source {
            case .url(let url, let checksum):
                imported = try await importer.importURL(
                    url, checksum: checksum, to: output, work: "\(paths.work)/image-\(name)")
            case .snapshot(let vmName):
                guard let vm = try await catalog.vm(vmName), let directory = vm.directory else {
                    throw ActionFailure(.driverError, "VirtualMachine \(vmName) has no disk to snapshot")
                }
                // Stopped when planned, and still stopped now: a running guest's disk is never copied.
                guard await vms.observe(vm).status == .poweredOff else {
                    throw ActionFailure(
                        .driverError,
                        "VirtualMachine \(vmName) is running again; the snapshot waits until it is stopped")
                }
                imported = try await importer.snapshot(overlay: "\(directory)/disk.qcow2", to: output)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: output)
            throw ActionFailure(error)
        }
        var made = image
        made.path = imported.path
        made.sha256 = imported.sha256
        made.format = "qcow2"
        made.boot = imported.boot
        made.importedFrom = ImageRecord.importKey(for: image.typed)
        made.state = .active
        made.version = version
        made.updatedAt = now()
        return made
    }

    /// Removes this host's earlier files of `image` (made by Kiln) that no VM runs on any more.
    func removeEarlierFiles(of image: ImageRecord, vms: [VMRecord]) async throws {
        let folder = paths.images(name: image.name)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            let path = "\(folder)/\(entry)"
            guard path != image.path, !vms.contains(where: { $0.imagePath == path }) else { continue }
            if try await catalog.isInInventory(location: path) { try await files.remove(path) }
        }
    }
}
