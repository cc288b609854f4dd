/// Wakes the reconcile loop early: a signed push arrived, so the next pass should not wait out `--interval`.
/// A wake while no one waits is kept (once) for the next wait, so a push during a pass is not lost.
actor LoopWaker {
    private var pending = false
    private var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
    private var nextId = 0

    func wake() {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume()
        } else {
            pending = true
        }
    }

    /// Returns after `duration`, when woken, or when the task is cancelled, whichever comes first.
    func wait(_ duration: Duration) async {
        if pending {
            pending = false
            return
        }
        nextId += 1
        let id = nextId
        let timer = Task { [weak self] in
            try? await Task.sleep(for: duration)
            await self?.release(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume()
                } else {
                    waiter = (id, continuation)
                }
            }
        } onCancel: {
            Task { [weak self] in await self?.release(id) }
        }
        timer.cancel()
    }

    private func release(_ id: Int) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }
}
