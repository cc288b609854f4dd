import Logging
import ServiceLifecycle

/// Keeps the read model fresh: a look at the catalog's change counters a few times a second (one small query; the
/// catalog is re-read only when they move), until shutdown.
public struct ReadModelService: Service {
    let model: ReadModel
    let period: Duration
    let logger: Logger

    public init(model: ReadModel, period: Duration = .milliseconds(250), logger: Logger) {
        self.model = model
        self.period = period
        self.logger = logger
    }

    public func run() async throws {
        var failing = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await model.refresh()
                if failing { logger.info("the catalog can be read again") }
                failing = false
            } catch {
                if !failing { logger.warning("serving the last read of the catalog: \(error)") }
                failing = true
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
        }
    }
}
