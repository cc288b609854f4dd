import GRDB

/// VM callbacks (issue 11): each delivery attempt in `vm_callback`, and the VM's generation (raised when the machine
/// is made again), so that a generation is called back at most once, even across restarts. The new table's
/// triggers move the `vm` change counter: callbacks are part of what a VM reader re-reads.
/// Released: never edit it; change the schema in a new migration.
enum VMCallbackMigration {
    static let id = "issue-11: vm_callback deliveries and vm.generation"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "vm") { t in
            t.add(column: "generation", .integer).notNull().defaults(to: 1)
        }
        try db.create(table: "vm_callback") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("vmName", .text).notNull().indexed()
            t.column("vmUuid", .text).notNull()
            t.column("generation", .integer).notNull()
            t.column("url", .text).notNull()
            t.column("event", .text).notNull()
            t.column("attempt", .integer).notNull()
            t.column("at", .datetime).notNull()
            t.column("httpStatus", .integer)
            t.column("error", .text)
            t.column("delivered", .boolean).notNull()
            t.column("refused", .boolean).notNull()
            t.column("finished", .boolean).notNull()
        }
        for event in ["insert", "update", "delete"] {
            try db.execute(
                sql: """
                    CREATE TRIGGER catalog_change_vm_callback_\(event) AFTER \(event.uppercased()) ON vm_callback
                    BEGIN UPDATE catalog_change SET version = version + 1 WHERE tableName = 'vm'; END
                    """)
        }
    }
}
