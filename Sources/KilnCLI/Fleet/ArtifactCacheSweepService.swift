import Foundation
import KilnCatalog
import KilnDrivers
import Logging
import ServiceLifecycle

/// Sweeps this host's artifact cache (``ArtifactCacheSweep``) when `kiln serve` starts, which is when a host that was
/// Lost comes back, and then every `every`: artifacts the catalog no longer names, and abandoned partial fetches, are
/// removed and logged. A sweep that cannot read the catalog removes nothing and tries again at the next tick.
struct ArtifactCacheSweepService: Service {
    let sweep: ArtifactCacheSweep
    let catalog: any Catalog
    let every: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let removed = try await sweep.run(catalog: catalog)
                for path in removed {
                    logger.info("artifact cache: removed \(path) (no Image, build output or VM names it any more)")
                }
            } catch {
                logger.warning("artifact cache: cannot read the catalog to sweep \(sweep.cache.folder): \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
        }
    }
}
