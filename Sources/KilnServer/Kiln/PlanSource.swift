import KilnSpec

/// What the next reconcile pass would do, in the JSON of `specs/plan.schema.json`: given to the server by whoever
/// wires it (the CLI reads the branch head with its own git source and plans it against the catalog).
public protocol PlanSource: Sendable {
    func plan() async throws -> SpecValue
}
