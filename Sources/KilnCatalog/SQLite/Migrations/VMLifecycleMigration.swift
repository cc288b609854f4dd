import GRDB

/// What the VM lifecycle records (issue 11): how an image boots (so a VM that cannot boot is refused at once), acceleration, the boot deadline's start, when the guest became ready,
/// the console's last lines, and drift (how often a VM was found not as git asks, what differed, when).
/// Released: never edit it; change the schema in a new migration.
enum VMLifecycleMigration {
    static let id = "issue-11: VM acceleration, boot deadline, console tail and drift"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "image") { t in
            t.add(column: "boot", .text)
        }
        try db.alter(table: "vm") { t in
            t.add(column: "imageBoot", .text)
            t.add(column: "acceleration", .text)
            t.add(column: "bootStartedAt", .datetime)
            t.add(column: "readyAt", .datetime)
            t.add(column: "consoleTail", .text)
            t.add(column: "driftCount", .integer).notNull().defaults(to: 0)
            t.add(column: "lastDrift", .text)
            t.add(column: "lastDriftAt", .datetime)
        }
    }
}
