import Dispatch
import Foundation
import Synchronization

/// Writes status files in the background, on a thread of its own (not one of the two threads Swift's cooperative
/// pool has on a 2-core machine), so a pass does not wait for thousands of files.
///
/// - Atomic per file: each batch goes through ``AtomicFile/writeBatch(_:)`` (temp file, one flush, rename).
/// - Coalescing: a file handed over again before it was written is written once, with its newest text; a removal
///   handed over after a write of the same file wins, and the other way round.
/// - Ordered: writes and removals happen in the order they were handed over, batch by batch.
/// - ``wait()`` returns once everything handed over so far is on disk (the reconciler waits before saving the next
///   pass's statuses, so a status file is never more than one pass older than the catalog, and on shutdown).
final class StatusFileWriter: Sendable {
    private struct State {
        /// Files to write, by path, with their newest text.
        var writes: [String: String] = [:]
        var removals: Set<String> = []
        /// Whether the queue is working through a batch.
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        /// Paths whose write failed since the last ``StatusFileWriter/takeFailures()``, with why.
        var failures: [String: String] = [:]
        var idle: Bool { !busy && writes.isEmpty && removals.isEmpty }
    }

    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "kiln.status-files")

    /// Hands files over to be written.
    func write(_ files: [(path: String, text: String)]) {
        guard !files.isEmpty else { return }
        let start = state.withLock { state in
            for (path, text) in files {
                state.writes[path] = text
                state.removals.remove(path)
            }
            return schedule(&state)
        }
        if start { queue.async { self.drain() } }
    }

    /// Hands files over to be removed (after any write of them handed over before).
    func remove(_ paths: [String]) {
        guard !paths.isEmpty else { return }
        let start = state.withLock { state in
            for path in paths {
                state.writes[path] = nil
                state.removals.insert(path)
            }
            return schedule(&state)
        }
        if start { queue.async { self.drain() } }
    }

    /// Waits until everything handed over so far is written or removed.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                if state.idle { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The paths whose write failed since the last call, with why (they are written again only when handed over
    /// again).
    func takeFailures() -> [String: String] {
        state.withLock { state in
            defer { state.failures.removeAll() }
            return state.failures
        }
    }

    private func schedule(_ state: inout State) -> Bool {
        guard !state.busy else { return false }
        state.busy = true
        return true
    }

    /// Writes and removes until nothing is left, then wakes the waiters. Runs on `queue` only.
    private func drain() {
        while true {
            let next: (writes: [String: String], removals: Set<String>)? = state.withLock { state in
                if state.writes.isEmpty && state.removals.isEmpty {
                    state.busy = false
                    return nil
                }
                defer {
                    state.writes.removeAll()
                    state.removals.removeAll()
                }
                return (state.writes, state.removals)
            }
            guard let next else { break }
            do {
                try AtomicFile.writeBatch(next.writes.map { ($0.key, $0.value) })
                state.withLock { state in
                    if !state.failures.isEmpty { for path in next.writes.keys { state.failures[path] = nil } }
                }
            } catch {
                let why = "\(error)"
                state.withLock { state in
                    for path in next.writes.keys { state.failures[path] = why }
                }
            }
            for path in next.removals { unlink(path) }
        }
        let waiters = state.withLock { state in
            // Something handed over after the last batch started a new drain: its waiters wait for that one.
            guard state.idle else { return [CheckedContinuation<Void, Never>]() }
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
