import KilnCatalog
import KilnPlanner
import KilnServer
import KilnSpec

/// The plan of the spec fixture's commit against a catalog, through Kiln's own planner: what `GET /kiln/v1/plan`
/// answers when the server's git source is the fixture's repository.
struct FixturePlanSource: PlanSource {
    let catalog: any Catalog

    func plan() async throws -> SpecValue {
        let snapshot = try SpecFixture.snapshot()
        let preview = ChangePreview.make(from: snapshot, to: snapshot, actual: try await catalog.state())
        return PreviewRenderer.json(preview)
    }
}
