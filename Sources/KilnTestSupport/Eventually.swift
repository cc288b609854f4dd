/// Waiting for a condition, never for a fixed time: tests share a loaded machine.
public enum Eventually {
    /// Whether `condition` came to hold, checked every `interval`; false once `deadline` has passed (generous: it only
    /// catches a hang) or the test is cancelled (its time limit ran out).
    public static func holds(
        within deadline: Duration, every interval: Duration, _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end, !Task.isCancelled {
            if try await condition() { return true }
            try? await Task.sleep(for: interval)
        }
        return try await condition()
    }
}
