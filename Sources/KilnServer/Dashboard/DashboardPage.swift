import KilnCatalog

/// The dashboard at `GET /` as data: built from one read-model snapshot by a pure function, then rendered by
/// ``DashboardRenderer``. What needs a person comes first (a refused commit, objects that are not Ready), then every
/// build with its executions, the images and the VMs.
struct DashboardPage: Sendable, Hashable {
    let sync: SyncPanel
    let attention: [AttentionItem]
    let builds: [BuildCard]
    let images: [ImageRow]
    let vms: [VMRow]
    let hasAttention: Bool
    let readyCount: Int
    let objectCount: Int
    let running: Int
    /// Nothing in the catalog yet.
    let empty: Bool

    init(snapshot: ReadSnapshot) {
        sync = SyncPanel(snapshot.state.sync)
        attention = AttentionItem.all(in: snapshot)
        builds = snapshot.builds.map { BuildCard($0, snapshot: snapshot) }
        images = snapshot.images.map { ImageRow($0, snapshot: snapshot) }
        vms = snapshot.vms.map(VMRow.init)
        hasAttention = !attention.isEmpty
        objectCount = snapshot.builds.count + snapshot.images.count + snapshot.vms.count
        readyCount = objectCount - attention.count
        running = snapshot.state.activeExecutions.count
        empty = objectCount == 0
    }
}
