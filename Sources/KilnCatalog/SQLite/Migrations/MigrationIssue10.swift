import GRDB

/// Bootable images: how each virtual image's disk boots (`none`, `uefi`, `bios`, `hybrid`: what the VM driver picks
/// firmware by) and the resolved package list of an execution (`packages.txt`: name, version, architecture per
/// line), for the API and lineage. Plain `ADD COLUMN`s, so the tables' triggers stay.
/// Released: never edit it; change the schema in a new migration.
enum MigrationIssue10 {
    static let id = "issue-10: virtual_image.boot, execution.packages"

    static func migrate(_ db: Database) throws {
        try db.alter(table: "virtual_image") { t in
            t.add(column: "boot", .text).notNull().defaults(to: "none")
        }
        try db.alter(table: "execution") { t in
            t.add(column: "packages", .text)
        }
    }
}
