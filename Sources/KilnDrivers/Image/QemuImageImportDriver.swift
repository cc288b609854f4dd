import KilnBuilder
import KilnReconciler
import KilnSpec

/// Imports image URLs and VM snapshots through the builder's ``ImageImporter`` (inspection and conversion with
/// qemu-img under prlimit), sharing the build sources' download cache.
public struct QemuImageImportDriver: ImageImportDriver {
    public var importer: ImageImporter

    public init(cacheDirectory: String, maxImageSize: UInt64 = 256 << 30) {
        importer = ImageImporter(cacheDirectory: cacheDirectory, limits: .init(maxVirtualSize: maxImageSize))
    }

    public func importURL(
        _ url: String, checksum: Checksum, to output: String, work: String
    ) async throws -> ImportedDisk {
        do {
            let imported = try await importer.importURL(url, checksum: checksum, to: output, work: work)
            return ImportedDisk(path: imported.path, sha256: imported.sha256, boot: imported.boot)
        } catch {
            throw Self.failure(error)
        }
    }

    public func snapshot(overlay: String, to output: String) async throws -> ImportedDisk {
        do {
            let imported = try await importer.flatten(overlay: overlay, to: output)
            return ImportedDisk(path: imported.path, sha256: imported.sha256, boot: imported.boot)
        } catch {
            throw Self.failure(error)
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
