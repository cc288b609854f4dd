import Foundation
import PostgresNIO

extension PostgresCatalog {
    /// Every row, in one snapshot.
    public func export() async throws -> CatalogExport {
        let state = try await state()
        return try await read(limit: .seconds(600)) { [logger] c in
            CatalogExport(
                state: state,
                journal: try await Self.records(
                    JournalEntry.self, "SELECT * FROM journal ORDER BY id", on: c, logger: logger),
                inventory: try await Self.records(
                    InventoryItem.self, "SELECT * FROM inventory ORDER BY id", on: c, logger: logger),
                hasSync: (try await Self.scalar(Int64.self, "SELECT COUNT(*) FROM sync", on: c, logger: logger) ?? 0)
                    > 0)
        }
    }

    /// Writes every row of `export` with its own id, in one transaction, into an empty catalog; then moves each
    /// table's id sequence past the ids it now holds. A catalog that holds anything is refused, untouched.
    public func importCatalog(_ export: CatalogExport) async throws {
        let location = location
        try await write(limit: .seconds(600)) { [logger] c in
            var held: [String] = []
            for table in [
                "image_build", "execution", "virtual_image", "image", "vm", "vm_callback", "sync", "journal",
                "inventory", "tombstone"
            ] {
                let count =
                    try await Self.scalar(
                        Int64.self, PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), on: c, logger: logger)
                    ?? 0
                if count > 0 { held.append("\(count) \(table)") }
            }
            guard held.isEmpty else {
                throw PostgresCatalogError.server(
                    location: location.description,
                    detail:
                        "the catalog is not empty (\(held.joined(separator: ", "))); migrate into a new, empty database"
                )
            }
            let state = export.state
            for build in state.builds.values.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                try await Self.insert(build, into: "image_build", on: c, logger: logger)
            }
            for execution in state.executions.values.joined().sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                try await Self.insert(execution, into: "execution", on: c, logger: logger)
            }
            for image in state.virtualImages.values.joined().sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                try await Self.insert(image, into: "virtual_image", on: c, logger: logger)
            }
            for image in state.images.values.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                try await Self.insert(image, into: "image", on: c, logger: logger)
            }
            for vm in state.vms.values.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                try await Self.insert(vm, into: "vm", on: c, logger: logger)
            }
            for delivery in state.callbacks.values.joined().sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
                try await Self.insert(delivery, into: "vm_callback", on: c, logger: logger)
            }
            if export.hasSync { try await Self.insert(state.sync, into: "sync", on: c, logger: logger) }
            for entry in export.journal { try await Self.insert(entry, into: "journal", on: c, logger: logger) }
            for item in export.inventory { try await Self.insert(item, into: "inventory", on: c, logger: logger) }
            for tombstone in state.tombstones {
                try await Self.insert(tombstone, into: "tombstone", on: c, logger: logger)
            }
            for table in [
                "image_build", "execution", "virtual_image", "image", "vm", "vm_callback", "journal", "inventory",
                "tombstone"
            ] {
                try await c.query(
                    PostgresQuery(
                        unsafeSQL:
                            "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM \(table)"
                    ),
                    logger: logger)
            }
        }
    }
}
