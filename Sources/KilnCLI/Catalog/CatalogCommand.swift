import ArgumentParser

/// `kiln catalog`: work on the catalog itself.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog", abstract: "Work on the catalog itself: copy a single host's catalog into PostgreSQL.",
        subcommands: [CatalogMigrate.self])
}
