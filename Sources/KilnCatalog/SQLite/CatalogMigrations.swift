import GRDB

/// The SQLite schema, as versioned migrations, oldest first. Each migration lives in its own file under
/// `Migrations/` and is never edited once released: a change to the schema is a new migration added at the end.
enum CatalogMigrations {
    static let all: [(id: String, migrate: @Sendable (Database) throws -> Void)] = [
        (MigrationV1.id, MigrationV1.migrate),
        (MigrationV2.id, MigrationV2.migrate),
        (MigrationIssue10.id, MigrationIssue10.migrate),
        (TombstoneSpecFieldsMigration.id, TombstoneSpecFieldsMigration.migrate),
        (VMLifecycleMigration.id, VMLifecycleMigration.migrate),
        (VMCallbackMigration.id, VMCallbackMigration.migrate),
        (ImageSourcesMigration.id, ImageSourcesMigration.migrate),
        (CloudInitSeedMigration.id, CloudInitSeedMigration.migrate),
        (VMUserDataMigration.id, VMUserDataMigration.migrate),
        (FleetMigration.id, FleetMigration.migrate),
        (VMNetworkMigration.id, VMNetworkMigration.migrate),
        (WorkMigration.id, WorkMigration.migrate),
        (VMHostMigration.id, VMHostMigration.migrate),
        (VMMachineSpecMigration.id, VMMachineSpecMigration.migrate),
        (HostGitCordonMigration.id, HostGitCordonMigration.migrate),
        (WorkCancelMigration.id, WorkCancelMigration.migrate)
    ]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in all {
            migrator.registerMigration(migration.id, migrate: migration.migrate)
        }
        return migrator
    }
}
