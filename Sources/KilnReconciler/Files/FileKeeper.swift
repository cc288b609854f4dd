import Foundation
import KilnCatalog
import KilnSpec

/// File operations on what Kiln created, checked against the inventory: Kiln never deletes or moves a path that its
/// inventory does not list, whatever a record says.
struct FileKeeper: Sendable {
    let catalog: any Catalog
    let paths: DataPaths
    /// The wall clock of the reconciler's options.
    var now: @Sendable () -> Date = { Date() }

    /// Records that Kiln created `path` for `owner`.
    func register(_ path: String, owner: ObjectKey, type: InventoryItem.ItemType) async throws {
        try await catalog.addInventory(
            InventoryItem(type: type, owner: owner.description, location: path, createdAt: now()))
    }

    /// Removes a path Kiln created (and its inventory entry). A path that is already gone is fine.
    func remove(_ path: String) async throws {
        guard FileManager.default.fileExists(atPath: path) else {
            try await catalog.removeInventory(location: path)
            return
        }
        guard try await catalog.isInInventory(location: path) else { throw FileKeeperError.notOurs(path) }
        try FileManager.default.removeItem(atPath: path)
        try await catalog.removeInventory(location: path)
        removeEmptyParents(of: path)
    }

    /// Moves a path Kiln created, keeping its inventory entry in step. Moving a path that is already at `destination`
    /// (a repeated step after a crash) is fine.
    func move(_ path: String, to destination: String) async throws {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            if fm.fileExists(atPath: destination) { try await catalog.moveInventory(from: path, to: destination) }
            return
        }
        guard try await catalog.isInInventory(location: path) else { throw FileKeeperError.notOurs(path) }
        try fm.createDirectory(
            atPath: (destination as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if fm.fileExists(atPath: destination) { try fm.removeItem(atPath: destination) }
        guard rename(path, destination) == 0 else {
            throw FileKeeperError.move(path, destination, String(cString: strerror(errno)))
        }
        try await catalog.moveInventory(from: path, to: destination)
        removeEmptyParents(of: path)
    }

    /// Removes folders left empty between `path` and the data dir's top folders.
    func removeEmptyParents(of path: String) {
        var folder = (path as NSString).deletingLastPathComponent
        let stops: Set<String> = [
            paths.root, paths.artifacts, paths.logs, paths.vms, paths.images, paths.tombstones, paths.work
        ]
        while folder.hasPrefix(paths.root + "/"), !stops.contains(folder) {
            guard rmdir(folder) == 0 else { return }
            folder = (folder as NSString).deletingLastPathComponent
        }
    }
}

enum FileKeeperError: Error, CustomStringConvertible, ActionFailureConvertible {
    case notOurs(String)
    case move(String, String, String)

    var description: String {
        switch self {
        case .notOurs(let path):
            "\(path) is not in Kiln's inventory of what it created; Kiln leaves it alone (remove it by hand if it is yours to remove)"
        case .move(let from, let to, let why): "cannot move \(from) to \(to): \(why)"
        }
    }

    var actionFailure: ActionFailure {
        switch self {
        case .notOurs: ActionFailure(.conflict, description)
        case .move: ActionFailure(.driverError, description)
        }
    }
}
