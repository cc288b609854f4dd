/// Change counters move only when rows change (issue 13): v1's statement triggers also fired for a statement that
/// touched no row, such as a host's machine write that placement refuses (`UPDATE vm … WHERE host = …` matching
/// nothing). That moved the `vm` counter and sent a notice, so the leader's next quiet pass became a full one and
/// every replica re-read its VMs. Each event now has its own statement trigger over its transition table, and counts
/// only when that table holds a row; TRUNCATE (no transition table) counts as before. SQLite needs no such change:
/// its triggers are per row, so a statement that matches no row fires none.
/// Released: never edit it; change the schema in a new migration, and give SQLite the same change.
enum PostgresMigrationV10 {
    static let migration = PostgresMigration(
        version: 10, name: "v10: change counters move only for changed rows",
        statements: [
            """
            CREATE FUNCTION kiln_catalog_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM changed_rows) THEN
                    UPDATE catalog_change SET version = version + 1 WHERE "tableName" = TG_ARGV[0];
                    PERFORM pg_notify('kiln_changes', TG_ARGV[0]);
                END IF;
                RETURN NULL;
            END
            $$
            """
        ]
            + PostgresMigrationV1.counted.flatMap { table, counter in
                [
                    "DROP TRIGGER catalog_change_\(table) ON \(table)",
                    """
                    CREATE TRIGGER catalog_change_\(table)_insert AFTER INSERT ON \(table)
                    REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION kiln_catalog_rows_changed('\(counter)')
                    """,
                    """
                    CREATE TRIGGER catalog_change_\(table)_update AFTER UPDATE ON \(table)
                    REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION kiln_catalog_rows_changed('\(counter)')
                    """,
                    """
                    CREATE TRIGGER catalog_change_\(table)_delete AFTER DELETE ON \(table)
                    REFERENCING OLD TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION kiln_catalog_rows_changed('\(counter)')
                    """,
                    """
                    CREATE TRIGGER catalog_change_\(table)_truncate AFTER TRUNCATE ON \(table)
                    FOR EACH STATEMENT EXECUTE FUNCTION kiln_catalog_change('\(counter)')
                    """
                ]
            })
}
