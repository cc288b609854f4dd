import KilnCatalog
import Logging
import ServiceLifecycle

/// Wakes this host's pass when a PostgreSQL catalog announces (`LISTEN kiln_changes`) that the leader placed, moved
/// or changed a VM (`vm`) or applied a commit (`sync`), so that a host acts on the leader's decision at once instead
/// of at its next tick (every lease/3). The ticks stay: an announcement is a hint, never the only way a change is
/// seen. When the listening connection fails it connects again with backoff (half a second, doubling up to 30 s);
/// every new listener wakes the pass once, since what was announced while no one listened is lost.
struct ChangeListenerService: Service {
    let catalog: PostgresCatalog
    let logger: Logger
    /// Wakes the pass (``LoopWaker/wake()``).
    let wake: @Sendable () async -> Void

    /// The tables whose changes wake the pass.
    static let tables: Set<CatalogTable> = [.vms, .sync]

    /// Whether a notice wakes the pass: a new listener (what came before it was not heard), or a change of a VM or
    /// of the applied commit.
    static func wakes(on notice: PostgresCatalog.ChangeNotice) -> Bool {
        switch notice {
        case .listening: true
        case .changed(let table): tables.contains(table)
        }
    }

    func run() async throws {
        var backoff = Self.firstBackoff
        var failing = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let ended = await cancelWhenGracefulShutdown { await listen() }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            if ended.listened {
                backoff = Self.firstBackoff
                if failing { logger.info("change listener: listening again") }
                failing = false
            }
            if !failing {
                logger.warning(
                    "change listener: \(ended.error.map { "\($0)" } ?? "the connection closed"); the host pass keeps its ticks; connecting again"
                )
            }
            failing = true
            let pause = backoff
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            backoff = min(backoff * 2, .seconds(30))
        }
    }

    static let firstBackoff = Duration.milliseconds(500)

    /// Listens until the connection ends or the task is cancelled; whether the listener was in place at some point,
    /// and the error that ended it.
    func listen() async -> (listened: Bool, error: (any Error)?) {
        var listened = false
        do {
            for try await notice in catalog.changeNotices() {
                if notice == .listening { listened = true }
                if Self.wakes(on: notice) { await wake() }
            }
            return (listened, nil)
        } catch {
            return (listened, error)
        }
    }
}
