/// The catalog's tables that describe objects, as a read model sees them: each has a change counter.
public enum CatalogTable: String, Sendable, Hashable, CaseIterable {
    /// `vms` also covers VM callback deliveries (`vm_callback`), whose triggers move the `vm` counter: a released
    /// migration (v2) creates triggers for every case of this enum, so a table added later joins an existing case.
    case builds, executions, virtualImages, images, vms, sync, tombstones

    /// The SQL table's name.
    public var tableName: String {
        switch self {
        case .builds: "image_build"
        case .executions: "execution"
        case .virtualImages: "virtual_image"
        case .images: "image"
        case .vms: "vm"
        case .sync: "sync"
        case .tombstones: "tombstone"
        }
    }

    public init?(tableName: String) {
        guard let table = Self.allCases.first(where: { $0.tableName == tableName }) else { return nil }
        self = table
    }
}
