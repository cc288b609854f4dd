import ArgumentParser
import Foundation
import KilnBuilder
import KilnCatalog
import KilnPlanner
import KilnSource
import KilnSpec

/// What moving from one commit to another would do, as `kiln plan` and `GET /kiln/v1/plan` both show it.
enum PlanPreview {
    enum Outcome {
        case valid(ChangePreview)
        /// The target commit is invalid: Kiln would refuse it.
        case invalid(Revision, [SpecError])
    }

    /// Plans `target` against `base` (nothing when nil). When the catalog applied `base`, the plan uses its real state
    /// (real executions, real prunes) and the real tools' versions.
    static func make(
        git: GitSource, base: String?, target: String, catalog: (any Catalog)?, applied: String?,
        budget: DeletionBudget
    ) async throws -> Outcome {
        var before = Snapshot.empty
        if let base {
            let load = try await git.load(commit: base)
            guard case .success(let snapshot) = load.result else {
                throw ValidationError(
                    "--from \(base.prefix(12)) is itself invalid (\(load.errors.count) errors); pick a valid base")
            }
            before = snapshot
        }
        let load = try await git.load(commit: target)
        guard case .success(let after) = load.result else { return .invalid(load.revision, load.errors) }
        var policy = PlannerPolicy(budget: budget)
        var actual: CatalogState?
        if let catalog, base != nil, base == applied {
            actual = try await catalog.state()
            policy.toolsFingerprint = await QemuImageBuilder().toolsFingerprint(debianMirror: nil)
        }
        return .valid(ChangePreview.make(from: before, to: after, actual: actual, policy: policy))
    }

    static func invalidJSON(_ revision: Revision, _ errors: [SpecError]) -> SpecValue {
        .object([
            "kilnPlanVersion": .int(1), "valid": .bool(false),
            "to": .object(["commit": .string(revision.id), "author": .string(revision.author)]),
            "errors": .list(
                errors.map { e in
                    .object([
                        "file": .string(e.file), "line": .int(e.line), "column": .int(e.column),
                        "path": .string(e.path),
                        "message": .string(e.message)
                    ])
                })
        ])
    }
}
