import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import Logging
import ServiceLifecycle

/// A fleet host's housekeeping of its own files, when `kiln serve` starts (which is when a host that was Lost comes
/// back) and then every `every`: build files that are no execution's any more (``ExecutionFileSweep``: pruned or
/// deleted by a leader that could not see them, or made by an attempt that lost its claim), imported Image files that
/// nothing uses (``ImportedImageSweep``), and fetched artifacts that nothing names (``ArtifactCacheSweep``). Each
/// removal is logged with why. A sweep that cannot read the catalog removes nothing and tries again at the next tick.
struct HostSweepService: Service {
    let files: ExecutionFileSweep
    let images: ImportedImageSweep
    let cache: ArtifactCacheSweep
    let catalog: any Catalog
    let every: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                for leftover in try await files.run(catalog: catalog) {
                    logger.info("host sweep: removed \(leftover.path): \(leftover.why)")
                }
                for leftover in try await images.run(catalog: catalog) {
                    logger.info("host sweep: removed \(leftover.path): \(leftover.why)")
                }
                for path in try await cache.run(catalog: catalog) {
                    logger.info("host sweep: removed \(path) (no Image, build output or VM names it any more)")
                }
            } catch {
                logger.warning("host sweep: cannot read the catalog: \(error); nothing removed")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
        }
    }
}
