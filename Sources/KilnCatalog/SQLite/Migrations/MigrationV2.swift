import GRDB

/// Per-table change counters, kept by triggers: every insert, update or delete of a row in a catalog table bumps its
/// table's counter, whichever process or connection made it (build workers write progress from their own process).
/// A read model compares counters and re-reads only the tables that moved.
/// Released: never edit it; change the schema in a new migration.
enum MigrationV2 {
    static let id = "v2: per-table change counters"

    static func migrate(_ db: Database) throws {
        try db.create(table: "catalog_change") { t in
            t.primaryKey("tableName", .text)
            t.column("version", .integer).notNull()
        }
        // The tables as they were when this migration was released: a later CatalogTable case must not make a fresh
        // catalog create triggers on a table a later migration adds.
        for table in ["image_build", "execution", "virtual_image", "image", "vm", "sync", "tombstone"] {
            try db.execute(sql: "INSERT INTO catalog_change (tableName, version) VALUES (?, 0)", arguments: [table])
            for event in ["insert", "update", "delete"] {
                try db.execute(
                    sql: """
                        CREATE TRIGGER catalog_change_\(table)_\(event) AFTER \(event.uppercased()) ON \(table)
                        BEGIN UPDATE catalog_change SET version = version + 1 WHERE tableName = '\(table)'; END
                        """)
            }
        }
    }
}
