import Synchronization

/// Task cancellation made visible to work running on a plain thread (libarchive), which polls it between blocks.
final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    func cancel() { state.store(true, ordering: .relaxed) }
    var isCancelled: Bool { state.load(ordering: .relaxed) }
}
