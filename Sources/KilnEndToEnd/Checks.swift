import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// Checks several suites share.
public enum Checks {
    /// Checks the status file of an object: Ready as expected, observing `commit`, with a spec hash, `Ready` first;
    /// a Ready object is neither Reconciling nor Stalled (those conditions appear only while true).
    public static func expectStatus(
        _ data: DataDirectory, _ kind: String, _ name: String, commit: String, ready: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let status = try data.status(kind, name)
        #expect(status["observedRevision"]?.string == commit, "\(kind)/\(name)", sourceLocation: sourceLocation)
        #expect(status["observedSpecHash"]?.string?.count == 64, sourceLocation: sourceLocation)
        #expect(
            status.isReady == ready, "\(kind)/\(name): \(String(describing: status.ready))",
            sourceLocation: sourceLocation)
        #expect(status.conditionTypes.first == "Ready", sourceLocation: sourceLocation)
        if ready { #expect(status.conditionTypes == ["Ready"], "\(kind)/\(name)", sourceLocation: sourceLocation) }
    }

    /// The sha256 of a file, as `sha256sum` computes it.
    public static func sha256(_ path: String) async throws -> String {
        String(try await ChildProcess.shell("sha256sum \(ChildProcess.quoted(path))").prefix(64))
    }
}
