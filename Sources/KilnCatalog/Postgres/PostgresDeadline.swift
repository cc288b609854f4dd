import Synchronization

/// A time limit on a piece of catalog work that the caller can rely on even when postgres-nio cannot: a statement
/// does not end on task cancellation, and one sent on a connection the server dropped (a restart, a network cut) may
/// never answer. ``run(_:expired:_:)`` returns the body's answer or throws ``Expired`` once `limit` has passed,
/// whichever comes first, without waiting for a body that hangs: on expiry it calls `expired` (which closes the
/// connection the body uses, failing its statement) and cancels the body (which withdraws a connection request still
/// queued in the pool), then returns at once. A body that still succeeds after that hands its answer to `late`, so
/// that a connection it opened is closed rather than dropped (postgres-nio asserts on a connection never closed).
enum PostgresDeadline {
    struct Expired: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "no answer within \(limit)" }
    }

    static func run<T: Sendable>(
        _ limit: Duration, expired: @escaping @Sendable () async -> Void,
        late: @escaping @Sendable (T) async -> Void = { _ in },
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation)
                let work = Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await body()) } catch { result = .failure(error) }
                    if !race.finish(result), case .success(let answer) = result {
                        await late(answer)
                    }
                }
                let timer = Task {
                    guard (try? await Task.sleep(for: limit)) != nil else { return }
                    guard race.finish(.failure(Expired(limit: limit))) else { return }
                    await expired()
                    work.cancel()
                }
                race.onFinish { timer.cancel() }
                race.onCancel { work.cancel() }
            }
        } onCancel: {
            race.cancel()
        }
    }

    /// The one answer a deadline gives: the first of the body's result, the timer's expiry and the caller's
    /// cancellation resumes the caller; the others find it answered.
    final class Race<T: Sendable>: Sendable {
        struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var answered = false
            var cancelled = false
            var finished: (@Sendable () -> Void)?
            var cancel: (@Sendable () -> Void)?
        }
        let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLock { $0.continuation = continuation }
        }

        /// Answers the caller unless someone already did; returns whether this call did.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (continuation, finished) = state.withLock {
                state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
                guard !state.answered else { return (nil, nil) }
                state.answered = true
                defer { state.continuation = nil }
                return (state.continuation, state.finished)
            }
            guard let continuation else { return false }
            continuation.resume(with: result)
            finished?()
            return true
        }

        /// What ends the timer once answered (run at once if the answer came first).
        func onFinish(_ action: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.answered { return true }
                state.finished = action
                return false
            }
            if now { action() }
        }

        /// What cancels the body when the caller is cancelled (run at once if it already was).
        func onCancel(_ action: @escaping @Sendable () -> Void) {
            let now = state.withLock { state -> Bool in
                if state.cancelled { return true }
                state.cancel = action
                return false
            }
            if now { action() }
        }

        func cancel() {
            let action = state.withLock { state -> (@Sendable () -> Void)? in
                state.cancelled = true
                return state.cancel
            }
            action?()
        }
    }
}
