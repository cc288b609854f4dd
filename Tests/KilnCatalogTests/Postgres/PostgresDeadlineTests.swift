import Synchronization
import Testing

@testable import KilnCatalog

/// The deadline every PostgreSQL call of the catalog runs under: the caller gets its answer on time even when the body
/// never ends (as a statement on a dropped connection may not), and the body's own answer when it comes first.
struct PostgresDeadlineTests {
    @Test(
        "a body that never answers, even when cancelled, fails with Expired once the limit passes, and the expiry action runs"
    )
    func hungBody() async throws {
        let expired = Mutex(false)
        let started = ContinuousClock.now
        await #expect(throws: PostgresDeadline.Expired.self) {
            try await PostgresDeadline.run(.milliseconds(200), expired: { expired.withLock { $0 = true } }) {
                () async throws -> Int in
                // Ignores cancellation, as a postgres-nio statement does.
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
                return 1
            }
        }
        // The expiry action runs just after the caller is answered (which must not wait for it).
        let deadline = ContinuousClock.now + .seconds(60)
        while !expired.withLock({ $0 }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(expired.withLock { $0 }, "the expiry action (closing the connection) ran")
        // A generous bound: only a deadline that waited for the body (for ever) fails this.
        #expect(ContinuousClock.now - started < .seconds(60))
    }

    @Test("a body that answers in time gives its value or its error, and the expiry action never runs")
    func answeredBody() async throws {
        let expired = Mutex(false)
        let value = try await PostgresDeadline.run(.seconds(60), expired: { expired.withLock { $0 = true } }) { 42 }
        #expect(value == 42)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await PostgresDeadline.run(.seconds(60), expired: { expired.withLock { $0 = true } }) {
                () async throws -> Int in throw Refused()
            }
        }
        #expect(!expired.withLock { $0 })
    }

    @Test("a body that answers after the limit hands its answer to `late`, so a connection it opened is closed")
    func lateAnswer() async throws {
        let (release, releaser) = AsyncStream.makeStream(of: Void.self)
        let (late, lateReporter) = AsyncStream.makeStream(of: Int.self)
        await #expect(throws: PostgresDeadline.Expired.self) {
            try await PostgresDeadline.run(
                .milliseconds(100), expired: {}, late: { lateReporter.yield($0) }
            ) { () async throws -> Int in
                // Answers only once the caller has been told it expired, ignoring cancellation (as connecting does).
                for await _ in release { break }
                return 7
            }
        }
        releaser.yield()
        var answers = late.makeAsyncIterator()
        #expect(await answers.next() == 7, "the late answer went to `late`, not nowhere")
    }
}
