import Foundation
import KilnCatalog
import KilnPlanner
import KilnServer
import KilnSource
import KilnSpec

/// `GET /kiln/v1/plan`: what the next pass would do with the commit the loop last saw, against the catalog. It reads
/// git through its own source (the loop's keeps its incremental cache), and never fetches: the loop does that.
struct GitPlanSource: PlanSource {
    let git: GitSource
    let catalog: any Catalog
    let budget: DeletionBudget

    func plan() async throws -> SpecValue {
        let sync = try await catalog.sync()
        guard let target = sync.lastSeenCommit ?? sync.lastAppliedCommit else {
            throw APIError(
                .serviceUnavailable, code: "not-ready",
                "the loop has not read the repository yet; ask again after its first pass")
        }
        let applied = sync.lastAppliedCommit
        switch try await PlanPreview.make(
            git: git, base: applied, target: target, catalog: catalog, applied: applied, budget: budget)
        {
        case .valid(let preview): return PreviewRenderer.json(preview)
        case .invalid(let revision, let errors): return PlanPreview.invalidJSON(revision, errors)
        }
    }
}
