import KilnBuilder
import KilnReconciler
import KilnSpec
import Logging

/// Imports image URLs and VM snapshots through the builder's ``ImageImporter`` (inspection and conversion with
/// qemu-img under prlimit), sharing the build sources' download cache.
///
/// With a `store` (`--artifact-store`), each imported file is also put there under its sha256, as build outputs are:
/// other hosts then read the file from the store rather than fetch it from the host that imported it, so a Lost host
/// does not take the only copy with it.
public struct QemuImageImportDriver: ImageImportDriver {
    public var importer: ImageImporter
    public var store: ArtifactCache?
    let logger: Logger

    public init(
        cacheDirectory: String, maxImageSize: UInt64 = 256 << 30, store: ArtifactCache? = nil,
        logger: Logger = Logger(label: "kiln.images")
    ) {
        importer = ImageImporter(cacheDirectory: cacheDirectory, limits: .init(maxVirtualSize: maxImageSize))
        self.store = store
        self.logger = logger
    }

    public func importURL(
        _ url: String, checksum: Checksum, to output: String, work: String
    ) async throws -> ImportedDisk {
        do {
            let imported = try await importer.importURL(url, checksum: checksum, to: output, work: work)
            publish(imported.path, sha256: imported.sha256)
            return ImportedDisk(path: imported.path, sha256: imported.sha256, boot: imported.boot)
        } catch {
            throw Self.failure(error)
        }
    }

    public func snapshot(overlay: String, to output: String) async throws -> ImportedDisk {
        do {
            let imported = try await importer.flatten(overlay: overlay, to: output)
            publish(imported.path, sha256: imported.sha256)
            return ImportedDisk(path: imported.path, sha256: imported.sha256, boot: imported.boot)
        } catch {
            throw Self.failure(error)
        }
    }

    /// A store that refuses the file costs other hosts a fetch from this one, not the import.
    func publish(_ path: String, sha256: String) {
        guard let store else { return }
        do {
            _ = try store.publish(path, sha256: sha256)
        } catch {
            logger.warning("\(error); other hosts fetch \(path) from this one")
        }
    }

    static func failure(_ error: ImageImportError) -> ActionFailure {
        switch error {
        case .checksumMismatch: ActionFailure(.checksumMismatch, "\(error)")
        case .refused, .noDisk, .severalDisks, .ovfOutside: ActionFailure(.unsafeImage, "\(error)")
        case .failed(let build):
            switch build {
            case .urlRefused, .tooManyRedirects: ActionFailure(.badRequest, "\(error)")
            case .downloadFailed, .downloadTimedOut: ActionFailure(.networkError, "\(error)")
            default: ActionFailure(error.isTerminal ? .unsafeImage : .driverError, "\(error)")
            }
        }
    }
}
