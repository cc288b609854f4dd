import Foundation
import KilnCatalog
import KilnSpec
import Testing

@testable import KilnServer

/// The catalog the dashboard tests show: ``CatalogFixture`` (busybox with a success, a failure and a running
/// execution; its image; VM hello-1 powered on and hello-2 failed; an applied and a refused commit) plus a second
/// build, `alpine`, whose only execution failed.
enum DashboardFixture {
    static let alpineError = "script install exited with status 2: apk: not found"

    static func catalog() async throws -> CatalogFixture {
        let fixture = try await CatalogFixture()
        try await addFailedBuild(to: fixture.catalog)
        return fixture
    }

    static func addFailedBuild(to catalog: SQLiteCatalog) async throws {
        let busybox = try #require(try await catalog.state(of: [.builds]).builds["busybox"])
        let at = CatalogFixture.at
        _ = try await catalog.saveBuild(
            BuildRecord(
                name: "alpine", spec: busybox.spec, specHash: "alpine-spec", contentHash: "alpine-content",
                inputsHash: "alpine-1",
                runToken: nil, revision: busybox.revision, file: "builds/alpine.yaml", line: 1, createdAt: at,
                updatedAt: at,
                status: ObjectStatus(
                    conditions: [
                        Condition(
                            type: .ready, status: false, reason: "BuildFailed",
                            message: "execution #1 failed: \(alpineError)",
                            lastTransitionTime: at),
                        Condition(
                            type: .stalled, status: true, reason: "BuildFailed", message: "waiting for a change in git",
                            lastTransitionTime: at)
                    ], observedRevision: busybox.revision, observedSpecHash: "alpine-spec")))
        var execution = try await catalog.newExecution(
            ExecutionRecord(
                buildName: "alpine", buildNumber: 0, createdBy: "Grace Hopper", revision: busybox.revision,
                specRoot: "",
                spec: busybox.spec, inputsHash: "alpine-1", runToken: nil, logPath: "/var/lib/kiln/logs/alpine/1.log",
                reason: "a new build", createdAt: at))
        execution.status = .failed
        execution.statusMessage = "provision: install"
        execution.errorMessage = alpineError
        execution.startDate = at.addingTimeInterval(600)
        execution.endDate = at.addingTimeInterval(672)
        try await catalog.finishExecution(execution, images: [])
    }

    /// A snapshot of `catalog`, as the read model would build it.
    static func snapshot(_ catalog: SQLiteCatalog) async throws -> ReadSnapshot {
        ReadSnapshot(
            generation: 1, state: try await catalog.state(), readAt: CatalogFixture.at, previous: nil,
            changed: Set(CatalogTable.allCases))
    }
}
