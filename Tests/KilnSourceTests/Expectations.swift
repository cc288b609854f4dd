import KilnSource
import Testing

/// Runs `body`, expecting it to fail with a ``GitSourceError`` that `matches`; returns the error for more checks.
@discardableResult
func expectGitError<T>(
    _ body: () async throws(GitSourceError) -> T, sourceLocation: SourceLocation = #_sourceLocation,
    _ matches: (GitSourceError) -> Bool
) async -> GitSourceError? {
    do {
        let value = try await body()
        Issue.record("expected an error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        return error
    }
}
