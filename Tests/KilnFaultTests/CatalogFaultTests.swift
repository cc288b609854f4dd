import Foundation
import GRDB
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnCatalog

extension Faults {
    /// A catalog Kiln cannot trust at start-up: damaged (its header or its pages), or written by another version of
    /// Kiln. Kiln refuses, naming the file and what to do, and changes nothing; an older schema is migrated.
    @Suite(.timeLimit(.minutes(5))) struct CatalogFaultTests {
        /// A repository of three catalog-only Images: a pass is quick and touches the catalog and status files.
        static func repository(in scratch: Scratch) async throws -> GitRepository {
            let repo = try await GitRepository(at: scratch.file("repo"))
            for name in ["alpha", "bravo", "charlie"] {
                try repo.write("images/\(name).yaml", Specs.catalogImage(name))
            }
            try await repo.commit("Three catalog images")
            return repo
        }

        static func sync(_ repo: GitRepository, _ data: DataDirectory) async throws -> ProcessResult {
            try await KilnBinary.sync(repo: repo.path, dataDir: data.path)
        }

        /// The sha256 of every file of the data dir (path → digest): what "changed nothing" compares (the git
        /// mirror and the lock file aside; the catalog is compared byte for byte where it is damaged, and by its rows
        /// where it is whole).
        static func fingerprint(_ data: DataDirectory) async throws -> [String: String] {
            var out: [String: String] = [:]
            for file in data.files(under: "")
            where !file.hasPrefix("mirrors/") && file != "lock" && !file.hasPrefix("catalog.sqlite") {
                out[file] = try await Checks.sha256("\(data.path)/\(file)")
            }
            return out
        }

        static func expectUnchanged(
            _ before: [String: String], _ after: [String: String], sourceLocation: SourceLocation = #_sourceLocation
        ) {
            let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
            #expect(changed.isEmpty, "a refused start changed the data dir: \(changed)", sourceLocation: sourceLocation)
        }

        /// Overwrites `count` bytes of the catalog at `offset` with a pattern no SQLite page has.
        static func damage(_ path: String, at offset: UInt64, count: Int) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: offset)
            try handle.write(contentsOf: Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }))
        }

        enum Damage: String, CaseIterable, CustomStringConvertible {
            /// The file header: not a database at all.
            case header
            /// Every page after the first: a database whose tables are garbage.
            case pages
            var description: String { rawValue }
        }

        @Test(arguments: Damage.allCases)
        func aDamagedCatalogIsRefusedByNameAndLeftAlone(_ damage: Damage) async throws {
            try await Scratch.with { scratch in
                let repo = try await Self.repository(in: scratch)
                let data = DataDirectory(path: scratch.dataDir)
                let first = try await Self.sync(repo, data)
                try #require(first.exitCode == 0, "\(first)")
                let catalog = "\(data.path)/catalog.sqlite"
                #expect(!FileManager.default.fileExists(atPath: catalog + "-wal") || data.exists("catalog.sqlite-wal"))
                let size = try #require(FileManager.default.attributesOfItem(atPath: catalog)[.size] as? Int)
                switch damage {
                case .header: try Self.damage(catalog, at: 0, count: 100)
                case .pages: try Self.damage(catalog, at: 4096, count: size - 4096)
                }
                // A new commit, so a Kiln that ignored the damage would have something to write.
                try repo.write("images/delta.yaml", Specs.catalogImage("delta"))
                try await repo.commit("A fourth image")
                let before = try await Self.fingerprint(data)
                let damaged = try await Checks.sha256(catalog)

                for command in [["sync", "--repo", repo.path, "--wait"], ["get", "images"]] {
                    let refused = try await KilnBinary.run(command + ["--data-dir", data.path])
                    #expect(refused.exitCode != 0, "kiln \(command[0]) on a damaged catalog: \(refused)")
                    #expect(refused.stderr.contains(catalog), "the refusal names the file: \(refused)")
                    #expect(refused.stderr.contains("is damaged"), "\(refused)")
                    #expect(refused.stderr.contains("move it aside"), "the refusal says what to do: \(refused)")
                    #expect(!refused.stderr.contains("Fatal error"), "\(refused)")
                }
                Self.expectUnchanged(before, try await Self.fingerprint(data))
                #expect(try await Checks.sha256(catalog) == damaged, "the damaged catalog was written to")
                #expect(ProcessSweep.pids(mentioning: data.path).isEmpty)

                // What the refusal says to do works: with the damaged file moved aside, Kiln rebuilds from git.
                for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: catalog + suffix) {
                    try FileManager.default.moveItem(atPath: catalog + suffix, toPath: scratch.file("damaged\(suffix)"))
                }
                let rebuilt = try await Self.sync(repo, data)
                #expect(rebuilt.exitCode == 0, "\(rebuilt)")
                #expect(Set(try await data.objects("images").keys) == ["alpha", "bravo", "charlie", "delta"])
                try await Recovery.check(data, context: "after moving the damaged catalog aside")
            }
        }

        /// A catalog as an older Kiln left it: only the first migrations ran. Kiln migrates it and converges.
        @Test(arguments: [1, 3, CatalogMigrations.all.count - 1])
        func aCatalogOfAnOlderSchemaIsMigrated(_ applied: Int) async throws {
            try await Scratch.with { scratch in
                let repo = try await Self.repository(in: scratch)
                let data = DataDirectory(path: scratch.dataDir)
                try FileManager.default.createDirectory(atPath: data.path, withIntermediateDirectories: true)
                let queue = try DatabaseQueue(path: "\(data.path)/catalog.sqlite")
                var migrator = DatabaseMigrator()
                for migration in CatalogMigrations.all.prefix(applied) {
                    migrator.registerMigration(migration.id, migrate: migration.migrate)
                }
                try migrator.migrate(queue)
                try queue.close()

                let result = try await Self.sync(repo, data)
                #expect(result.exitCode == 0, "a catalog with \(applied) migrations: \(result)")
                #expect(Set(try await data.objects("images").keys) == ["alpha", "bravo", "charlie"])
                let ran = try await DatabaseQueue(path: "\(data.path)/catalog.sqlite").read { db in
                    try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                }
                #expect(ran == CatalogMigrations.all.map(\.id), "every migration ran once, in order")
                try await Recovery.check(data, context: "a catalog with \(applied) migrations")
            }
        }

        /// A catalog a newer Kiln migrated further than this one knows: refused, naming the file, never written.
        @Test func aCatalogOfANewerSchemaIsRefused() async throws {
            try await Scratch.with { scratch in
                let repo = try await Self.repository(in: scratch)
                let data = DataDirectory(path: scratch.dataDir)
                let first = try await Self.sync(repo, data)
                try #require(first.exitCode == 0, "\(first)")
                let catalog = "\(data.path)/catalog.sqlite"
                let queue = try DatabaseQueue(path: catalog)
                try await queue.write { db in
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99: from a newer Kiln')")
                }
                try queue.close()
                try repo.write("images/delta.yaml", Specs.catalogImage("delta"))
                try await repo.commit("A fourth image")
                let before = try await Self.fingerprint(data)
                let rows = try Recovery.contents(data)

                let refused = try await Self.sync(repo, data)
                #expect(refused.exitCode != 0, "\(refused)")
                #expect(refused.stderr.contains(catalog), "the refusal names the file: \(refused)")
                #expect(refused.stderr.contains("newer"), "the refusal says why: \(refused)")
                Self.expectUnchanged(before, try await Self.fingerprint(data))
                #expect(try Recovery.contents(data) == rows, "a refused start changed the catalog's rows")
            }
        }
    }
}
