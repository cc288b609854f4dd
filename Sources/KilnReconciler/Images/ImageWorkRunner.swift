import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec
import Logging

/// A fleet host's side of an image import (``ImageImportWork``): it runs a claimed `FetchImage` or `ConvertImage` row
/// on this host and returns the Image as it should be saved, for ``WorkWorker`` to finish under the claim (the Image
/// and the row's end in one transaction, so a host whose claim was lost saves nothing). The file is made in this
/// host's data dir; other hosts fetch it from this host's download endpoint, as they do a build's outputs.
public struct ImageWorkRunner: Sendable {
    let host: String
    /// The plain catalog: the claim fences this host's writes, not a leader epoch.
    let catalog: any Catalog
    let make: ImageImport
    let logger: Logger

    public init(
        host: String, catalog: any Catalog, vms: any VMDriver, images: any ImageImportDriver, paths: DataPaths,
        options: ReconcilerOptions, logger: Logger = Logger(label: "kiln.images")
    ) {
        self.host = host
        self.catalog = catalog
        make = ImageImport(catalog: catalog, importer: images, vms: vms, paths: paths, now: options.now)
        self.logger = logger
    }

    /// Whether this runner runs a row of this kind.
    public static func runs(_ kind: WorkRecord.Kind) -> Bool { kind == .fetchImage || kind == .convertImage }

    /// Makes the Image's file that `work` asks for. A terminal failure (a checksum, an unsafe disk) also leaves the
    /// Image FAILED; an import that no longer matches the Image (its source or version changed since the leader asked)
    /// ends failed at once, and the leader asks again.
    public func run(_ work: WorkRecord) async throws -> WorkCompletion {
        guard let name = work.detail["image"]?.string, let version = work.detail["version"]?.int else {
            return WorkCompletion(.failed("\(work.workKey) names no image and version"))
        }
        let state = try await catalog.state(of: [.images, .vms])
        guard var image = state.images[name] else {
            return Self.failed(ActionFailure(.driverError, "Image \(name) is no longer in the catalog"))
        }
        let importKey = ImageRecord.importKey(for: image.typed)
        guard image.version + 1 == version, importKey == work.detail["importKey"]?.string else {
            return Self.failed(
                ActionFailure(
                    .driverError,
                    "Image \(name) changed since this import was asked for (now version \(image.version), \(importKey ?? "no import")); the leader asks again"
                ))
        }
        let source: ImageImportSource
        switch image.typed.source {
        case .url(let url, let checksum)?: source = .url(url, checksum)
        case .snapshotOf(let vm)?:
            guard let placed = state.vms[vm]?.host, placed == host else {
                return Self.failed(
                    ActionFailure(
                        .driverError,
                        "VirtualMachine \(vm) runs on host \(state.vms[vm]?.host ?? "none"), not \(host); the leader asks that host"
                    ))
            }
            source = .snapshot(vm: vm)
        default:
            return Self.failed(ActionFailure(.badRequest, "Image \(name) is no longer imported"))
        }
        logger.info(
            "host \(host): \(work.kind == .fetchImage ? "importing" : "snapshotting") Image \(name) v\(version)")
        do {
            let made = try await make.make(image, source: source)
            return WorkCompletion(.done("made \(made.path ?? "") on host \(host)"), images: [made])
        } catch {
            let failure = ActionFailure(error)
            logger.warning("host \(host): Image \(name) v\(version): \(failure.message)")
            guard failure.isTerminal else { return Self.failed(failure) }
            image.state = .failed
            image.updatedAt = make.now()
            return WorkCompletion(.failed(ImageImportWork.result(of: failure)), images: [image])
        }
    }

    /// After the row ended: a made Image's earlier files on this host go once no VM runs on them; a file made under a
    /// claim that was lost goes at once (its Image never pointed at it).
    public func cleanUp(after work: WorkRecord, accepted: Bool) async {
        guard let name = work.detail["image"]?.string, let version = work.detail["version"]?.int else { return }
        do {
            let state = try await catalog.state(of: [.images, .vms])
            let output = make.paths.image(name: name, version: version)
            if !accepted, state.images[name]?.path != output {
                try await make.files.remove(output)
                return
            }
            if let image = state.images[name], image.path == output {
                try await make.removeEarlierFiles(of: image, vms: Array(state.vms.values))
            }
        } catch {
            logger.warning("host \(host): cannot clean up after \(work.workKey): \(error)")
        }
    }

    static func failed(_ failure: ActionFailure) -> WorkCompletion {
        WorkCompletion(.failed(ImageImportWork.result(of: failure)))
    }
}
