import Foundation
import KilnTestSupport
import Testing

@testable import KilnCatalog

/// What only PostgreSQL has: a schema migrated under an advisory lock, refusals of a newer schema and of bad
/// credentials, change announcements, and the copy of a SQLite catalog.
extension CatalogBackends {
    @Suite("PostgreSQL catalog")
    struct PostgresCatalogTests {
        /// A catalog with the tests' generous transaction limit: the product's 20 s was exceeded by a healthy server
        /// on a CI machine loaded by the other suites.
        func open(_ url: String, passwordFile: String?) async throws -> PostgresCatalog {
            try #require(
                try await CatalogLocation(parsing: url).open(
                    passwordFile: passwordFile, transactionLimit: TestCatalog.generousLimit) as? PostgresCatalog)
        }

        @Test("hosts that open a new database at once migrate it once, in one transaction under the advisory lock")
        func concurrentMigration() async throws {
            let (cluster, url, name) = try await SharedPostgres.shared.newDatabase("migrate")
            let catalogs = try await withThrowingTaskGroup(of: PostgresCatalog.self) { group in
                for _ in 0..<4 { group.addTask { try await self.open(url, passwordFile: cluster.passwordFile) } }
                return try await group.reduce(into: [PostgresCatalog]()) { $0.append($1) }
            }
            #expect(catalogs.count == 4)
            let versions = try await cluster.sql(
                "SELECT string_agg(version::text, ',' ORDER BY version) FROM kiln_schema", database: name)
            #expect(versions == PostgresMigrations.all.map { String($0.version) }.joined(separator: ","))
            for catalog in catalogs { await catalog.close() }
        }

        @Test("a catalog whose schema is newer than this Kiln is refused with what to do, and left as it is")
        func newerSchema() async throws {
            let (cluster, url, name) = try await SharedPostgres.shared.newDatabase("newer")
            try await open(url, passwordFile: cluster.passwordFile).close()
            try await cluster.sql(
                "INSERT INTO kiln_schema (version, name) VALUES (99, 'issue-99: from the future')", database: name)
            await #expect {
                _ = try await open(url, passwordFile: cluster.passwordFile)
            } throws: { error in
                let text = "\(error)"
                return text.contains("schema version 99 (issue-99: from the future)")
                    && text.contains("newer than this Kiln knows (\(PostgresMigrations.latest))")
                    && text.contains("upgrade")
            }
            #expect(
                try await cluster.sql("SELECT count(*) FROM kiln_schema", database: name)
                    == String(PostgresMigrations.all.count + 1))
        }

        @Test("a wrong password is refused by name, and the error never holds the password")
        func wrongPassword() async throws {
            let (cluster, url, _) = try await SharedPostgres.shared.newDatabase("auth")
            let wrong = "\(cluster.folder)/wrong-password"
            FileManager.default.createFile(
                atPath: wrong, contents: Data("not-the-password-42\n".utf8), attributes: [.posixPermissions: 0o600])
            await #expect {
                _ = try await open(url, passwordFile: wrong)
            } throws: { error in
                let text = "\(error)"
                return text.contains("refused user kiln") && text.contains("28P01")
                    && text.contains("--catalog-password-file")
                    && !text.contains("not-the-password-42")
            }
            await #expect {
                _ = try await open(url, passwordFile: nil)
            } throws: { error in
                "\(error)".contains("asks a password of user kiln") || "\(error)".contains("refused user kiln")
            }
        }

        @Test("an unreachable server and a missing database are named, with what to check")
        func unreachable() async throws {
            let port = try PostgresCluster.freePort()
            await #expect {
                _ = try await open("postgres://kiln@127.0.0.1:\(port)/kiln?sslmode=disable", passwordFile: nil)
            } throws: { error in
                "\(error)".contains("cannot reach the PostgreSQL catalog at 127.0.0.1:\(port)")
            }
            let cluster = try await SharedPostgres.shared.cluster()
            await #expect {
                _ = try await open(cluster.url(database: "no_such_db"), passwordFile: cluster.passwordFile)
            } throws: { error in
                "\(error)".contains("the database no_such_db does not exist")
            }
        }

        @Test("sslmode=require against a server without TLS is refused, not silently downgraded")
        func requireTLS() async throws {
            let cluster = try await SharedPostgres.shared.cluster()
            await #expect {
                _ = try await open(
                    cluster.url(database: "kiln", sslmode: "require"), passwordFile: cluster.passwordFile)
            } throws: { error in
                "\(error)".contains("TLS")
            }
        }

        @Test(
            "sslmode=verify-full, verify-ca and require with the CA file talk TLS; a server certificate from another CA is refused"
        )
        func verifiedTLS() async throws {
            let cluster = try await PostgresCluster.start(tls: true)
            do {
                try await verifiedTLS(cluster)
            } catch {
                await cluster.stop()
                throw error
            }
            await cluster.stop()
        }

        func verifiedTLS(_ cluster: PostgresCluster) async throws {
            try await cluster.createDatabase("tls")
            let ca = try #require(cluster.caFile)
            let base = "postgres://kiln@127.0.0.1:\(cluster.port)/tls"
            for mode in ["verify-full", "verify-ca", "require"] {
                let catalog = try await open(
                    "\(base)?sslmode=\(mode)&sslrootcert=\(ca)", passwordFile: cluster.passwordFile)
                _ = try await catalog.saveBuild(Records.build("b-\(mode)"))
                #expect(try await catalog.state().builds["b-\(mode)"] != nil)
                // The pool's connections are still open: the server says they are encrypted.
                let encrypted = try await cluster.sql(
                    "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = 'tls' AND s.ssl",
                    database: "postgres")
                #expect((Int(encrypted) ?? 0) >= 1, "\(mode): no TLS connection at the server")
                await catalog.close()
            }
            let other = "\(cluster.folder)/other-ca"
            try await PostgresCluster.makeCertificates(in: other)
            await #expect {
                _ = try await open(
                    "\(base)?sslmode=verify-full&sslrootcert=\(other)/ca.pem", passwordFile: cluster.passwordFile)
            } throws: { error in
                let text = "\(error)"
                return text.contains("TLS with the PostgreSQL catalog") && text.contains("sslrootcert")
            }
        }

        @Test(
            "while PostgreSQL is down a catalog call fails with a clear error (it does not hang); once it is back, the same catalog works again"
        )
        func databaseRestart() async throws {
            let cluster = try await PostgresCluster.start()
            do {
                try await databaseRestart(cluster)
            } catch {
                await cluster.stop()
                throw error
            }
            await cluster.stop()
        }

        func databaseRestart(_ cluster: PostgresCluster) async throws {
            try await cluster.createDatabase("restart")
            let catalog = try await open(cluster.url(database: "restart"), passwordFile: cluster.passwordFile)
            _ = try await catalog.saveBuild(Records.build("before"))
            await cluster.stopServer()
            // A hang would be the bug: the deadline only catches it.
            let failure = try await withThrowingTaskGroup(of: String?.self) { group in
                group.addTask {
                    do {
                        _ = try await catalog.state()
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(300))
                    return "hung"
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
            let text = try #require(failure, "a catalog read succeeded with the database down")
            #expect(text != "hung", "a catalog read hung while the database was down")
            #expect(text.contains("cannot reach the PostgreSQL catalog at 127.0.0.1:\(cluster.port)"), "\(text)")
            try await cluster.startServer()
            // The pool reconnects by itself, with backoff: the same catalog object writes again once it has.
            let deadline = ContinuousClock.now + .seconds(300)
            while true {
                do {
                    _ = try await catalog.saveBuild(Records.build("after"))
                    break
                } catch {
                    guard ContinuousClock.now < deadline else { throw error }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            #expect(Set(try await catalog.state().builds.keys) == ["before", "after"])
            await catalog.close()
        }

        @Test("every commit that changes a table is announced on kiln_changes, to listeners of any replica")
        func notifications() async throws {
            let (cluster, url, _) = try await SharedPostgres.shared.newDatabase("notify")
            let writer = try await open(url, passwordFile: cluster.passwordFile)
            let reader = try await open(url, passwordFile: cluster.passwordFile)
            var notices = reader.changeNotices().makeAsyncIterator()
            #expect(try await notices.next() == .listening)
            _ = try await writer.saveBuild(Records.build("b"))
            #expect(try await notices.next() == .changed(.builds))
            _ = try await writer.newExecution(Records.execution("b", 0))
            var seen: Set<CatalogTable> = []
            while seen != [.builds, .executions], let notice = try await notices.next() {
                if case .changed(let table) = notice { seen.insert(table) }
            }
            #expect(seen == [.builds, .executions])
            await writer.close()
            await reader.close()
        }

        @Test("a SQLite catalog copied into PostgreSQL keeps every row, id and build number; a second copy is refused")
        func copyFromSQLite() async throws {
            let source = try TempCatalog()
            defer { source.remove() }
            let sqlite = source.catalog
            _ = try await sqlite.saveBuild(Records.build("a"))
            _ = try await sqlite.saveBuild(Records.build("b"))
            let (_, executions) = try await sqlite.beginActions(
                [Records.journal("run")], executions: [Records.execution("a", 1)],
                inventory: [
                    InventoryItem(type: .directory, owner: "ImageBuild/a", location: "/d/a/1", createdAt: Records.date)
                ])
            try await sqlite.finishExecution(executions[0], images: [Records.virtualImage(executions[0])])
            for _ in 0..<3 { _ = try await sqlite.newExecution(Records.execution("b", 0)) }
            let pruned = try await sqlite.state().executions["b"]![1]
            try await sqlite.deleteExecution(id: pruned.id!)
            _ = try await sqlite.saveVM(RecordCodingTests.vm())
            var sync = SyncRecord()
            sync.source = "/repo"
            sync.lastAppliedCommit = "abc"
            try await sqlite.saveSync(sync)
            let original = try await sqlite.export()

            let (cluster, url, _) = try await SharedPostgres.shared.newDatabase("copy")
            let postgres = try await open(url, passwordFile: cluster.passwordFile)
            try await postgres.importCatalog(original)
            let copy = try await postgres.export()
            #expect(CatalogExport.differences(original, copy).isEmpty)
            #expect(copy.buildNumbers["b"] == .init(next: 4, executions: [1, 3]))
            #expect(copy.state.builds == original.state.builds)
            #expect(copy.state.executions == original.state.executions)
            #expect(copy.state.vms == original.state.vms)
            #expect(copy.journal == original.journal)
            // Ids continue after the copied ones, and numbering goes on where it was.
            let next = try await postgres.newExecution(Records.execution("b", 0))
            #expect(next.buildNumber == 4)
            #expect(next.id! > original.state.executions.values.joined().compactMap(\.id).max()!)
            await #expect {
                try await postgres.importCatalog(original)
            } throws: { error in "\(error)".contains("the catalog is not empty") }
            await postgres.close()
        }
    }
}
