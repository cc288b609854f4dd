import Foundation
import KilnCatalog

/// A fleet host's imported Image files that nothing uses any more: each host removes them from its own data dir,
/// since the host that imports an Image's new version removes only its own earlier files, and the leader that deletes
/// an Image sees only its own host's files.
///
/// A file `images/NAME/V.qcow2` is a leftover when no VM runs on it and:
/// - the catalog has no Image NAME and no tombstone of it (which could bring it back while its grace lasts); or
/// - Image NAME is at version V or later and its file is another (an earlier version, or this version made by another
///   host after this host's claim was lost).
///
/// A version after the Image's is an import under way (or one to be run again): never touched. The files are listed
/// before the catalog is read, so an import that ends in between is seen at its new version.
public struct ImportedImageSweep: Sendable {
    public let paths: DataPaths

    public init(paths: DataPaths) {
        self.paths = paths
    }

    /// One imported file, as found on disk.
    public struct File: Sendable, Hashable {
        public var path: String
        public var image: String
        public var version: Int

        public init(path: String, image: String, version: Int) {
            self.path = path
            self.image = image
            self.version = version
        }
    }

    public typealias Leftover = SweepLeftover

    /// The leftovers among `files`, given the catalog's Images, VMs and tombstones.
    public func leftovers(_ files: [File], state: CatalogState) -> [Leftover] {
        let used = Set(state.vms.values.compactMap(\.imagePath))
        let buried = Set(state.tombstones.filter { $0.objectKind == "Image" }.map(\.objectName))
        return files.compactMap { file -> Leftover? in
            guard !used.contains(file.path) else { return nil }
            guard let image = state.images[file.image] else {
                if buried.contains(file.image) { return nil }
                return Leftover(path: file.path, why: "Image \(file.image) is no longer in the catalog")
            }
            guard file.version <= image.version, image.path != file.path else { return nil }
            return Leftover(
                path: file.path,
                why:
                    "Image \(file.image) is at version \(image.version) in \(image.path ?? "no file"), and no VM runs on this one"
            )
        }
    }

    /// This data dir's imported files, as Kiln names them.
    public func files() -> [File] {
        let manager = FileManager.default
        var found: [File] = []
        for image in ((try? manager.contentsOfDirectory(atPath: paths.images)) ?? []).sorted() {
            for entry in ((try? manager.contentsOfDirectory(atPath: paths.images(name: image))) ?? []).sorted()
            where entry.hasSuffix(".qcow2") {
                guard let version = Int(entry.dropLast(".qcow2".count)), version > 0, entry == "\(version).qcow2"
                else { continue }
                found.append(File(path: paths.image(name: image, version: version), image: image, version: version))
            }
        }
        return found
    }

    /// Lists this data dir's imported files, reads the catalog, then removes the leftovers (and their inventory
    /// entries); returns what it removed, and why.
    public func run(catalog: any Catalog) async throws -> [Leftover] {
        let files = files()
        let state = try await catalog.state(of: [.images, .vms, .tombstones])
        let keeper = FileKeeper(catalog: catalog, paths: paths)
        var removed: [Leftover] = []
        for leftover in leftovers(files, state: state) {
            if (try? await keeper.remove(leftover.path)) != nil { removed.append(leftover) }
        }
        return removed
    }
}
