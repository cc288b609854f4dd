/// A pause for clean-up loops that must go on when the test is cancelled (a time limit ran out): `Task.sleep` returns
/// at once in a cancelled task, which would turn a bounded wait-for-exit loop into a busy one. The sleep runs in a
/// detached task, which the caller's cancellation does not reach.
public enum CleanupPause {
    public static func sleep(for duration: Duration) async {
        await Task.detached { try? await Task.sleep(for: duration) }.value
    }
}
