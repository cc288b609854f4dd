import Synchronization

/// Rendered answers of the current read-model generation, by request: a repeated query costs a dictionary lookup.
/// A new generation empties it. Bounded in entries and bytes, so that many distinct queries cannot grow the server.
final class ResponseCache: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var entries: [String: Rendered] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    let maxEntries: Int
    let maxBytes: Int

    init(maxEntries: Int = 2048, maxBytes: Int = 32 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    func get(_ key: String, generation: UInt64) -> Rendered? {
        state.withLock { $0.generation == generation ? $0.entries[key] : nil }
    }

    func put(_ key: String, generation: UInt64, _ rendered: Rendered) {
        let size = rendered.body.readableBytes + key.utf8.count
        guard size <= maxBytes / 8 else { return }
        state.withLock { state in
            if state.generation != generation {
                guard generation > state.generation else { return }
                state = State(generation: generation)
            }
            if state.entries.count >= maxEntries || state.bytes + size > maxBytes {
                state.entries.removeAll(keepingCapacity: true)
                state.bytes = 0
            }
            state.entries[key] = rendered
            state.bytes += size
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
