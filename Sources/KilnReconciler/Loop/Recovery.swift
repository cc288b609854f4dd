import Foundation
import KilnCatalog
import KilnSpec
import Logging

/// What Kiln does at start-up about what a crash left half done.
///
/// Executions need nothing here: the first pass sees whether their process still runs (re-attached) or not (marked
/// failed as interrupted, and run again). Journal entries left open are closed as abandoned; a deletion that moved
/// files to the tombstone area but never recorded its tombstone has its files moved back, since the object is still
/// in the catalog and the next pass decides afresh.
struct Recovery {
    let catalog: any Catalog
    let paths: DataPaths
    let logger: Logger

    func run(state: CatalogState) async throws {
        let open = try await catalog.openActions()
        let recorded = Set(state.tombstones.flatMap { $0.paths.map(\.tombstone) })
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: paths.tombstones)) ?? []
        for folder in folders.sorted() {
            let full = "\(paths.tombstones)/\(folder)"
            let belongs = recorded.contains { $0.hasPrefix(full + "/") }
            guard !belongs else { continue }
            try await undoBurial(folder: full, name: folder, state: state)
        }
        if !open.isEmpty {
            logger.warning(
                "\(open.count) actions were interrupted by a stop; closing them, the next pass redoes what is needed")
            try await catalog.endActions(
                open.compactMap { $0.id }.map {
                    JournalEnd(id: $0, state: .abandoned, error: "interrupted: Kiln stopped during the action")
                }, workers: [])
        }
    }

    /// Moves files of an unrecorded burial back where they came from.
    func undoBurial(folder: String, name: String, state: CatalogState) async throws {
        let keeper = FileKeeper(catalog: catalog, paths: paths)
        for kind in Kind.allCases where name.hasPrefix(kind.slug + "-") {
            let rest = name.dropFirst(kind.slug.count + 1)
            guard let dash = rest.lastIndex(of: "-") else { continue }
            let object = String(rest[..<dash])
            switch kind {
            case .imageBuild:
                let artifacts = "\(folder)/artifacts"
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: artifacts)) ?? [] {
                    if let n = Int(entry) {
                        try await keeper.move("\(artifacts)/\(entry)", to: paths.artifacts(build: object, number: n))
                    }
                }
                let logs = "\(folder)/logs"
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? [] {
                    if let n = Int(entry.replacingOccurrences(of: ".log", with: "")) {
                        try await keeper.move("\(logs)/\(entry)", to: paths.log(build: object, number: n))
                    }
                }
            case .virtualMachine:
                if let vm = state.vms[object] { try await keeper.move("\(folder)/vm", to: paths.vm(uuid: vm.uuid)) }
            case .image:
                try await keeper.move("\(folder)/image", to: paths.images(name: object))
            }
            logger.warning("moved back the files of \(kind.rawValue) \(object): its deletion was interrupted")
        }
        keeper.removeEmptyParents(of: folder + "/x")
        _ = rmdir(folder)
    }
}
