import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// The suites that need the test PostgreSQL cluster: it starts on first use and stops (by its pid) when they end.
struct PostgresClusterTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await SharedPostgres.shared.withScope(function)
    }
}

/// `--catalog postgres://…` through the real `kiln` binary: sync, get, plan and build workers on a shared catalog,
/// `kiln catalog migrate`, and every bad catalog refused with a clear error.
@Suite(PostgresClusterTrait(), .tags(.binary))
struct PostgresCatalogCommandTests {
    @Test(
        "a single host's catalog moves into PostgreSQL; Kiln then reconciles from it, its build workers writing there too"
    )
    func migrateThenReconcile() async throws {
        try await Stack.with { stack in
            try stack.write()
            _ = try await stack.repo.commit("Add the web stack")
            try await stack.syncReady()
            let sqliteExecutions = try await stack.data.executions("web")
            #expect(sqliteExecutions.map(\.buildNumber) == [1])

            let (cluster, url, name) = try await SharedPostgres.shared.newDatabase("cli_migrate")
            let postgres = ["--catalog", url, "--catalog-password-file", cluster.passwordFile]
            let migrate = try await KilnBinary.run([
                "catalog", "migrate", "--from", "sqlite:\(stack.data.path)/catalog.sqlite",
                "--to", url, "--catalog-password-file", cluster.passwordFile
            ])
            #expect(migrate.exitCode == 0, "\(migrate)")
            #expect(migrate.stdout.contains("ImageBuild web: next #2, executions #1 (the same in both)"), "\(migrate)")
            #expect(migrate.stdout.contains("execution 1,"), "\(migrate)")
            let again = try await KilnBinary.run([
                "catalog", "migrate", "--from", "sqlite:\(stack.data.path)/catalog.sqlite",
                "--to", url, "--catalog-password-file", cluster.passwordFile
            ])
            #expect(again.exitCode == 1 && again.stderr.contains("the catalog is not empty"), "\(again)")

            // The data dir's SQLite file goes: from here on, only PostgreSQL can answer.
            try FileManager.default.removeItem(atPath: "\(stack.data.path)/catalog.sqlite")
            let executions = try await KilnBinary.run(
                ["get", "executions", "web", "-o", "json", "--data-dir", stack.data.path] + postgres)
            #expect(executions.exitCode == 0, "\(executions)")
            let listed = try JSONDecoder().decode(SpecValue.self, from: Data(executions.stdout.utf8)).list?.map(
                ExecutionView.init)
            #expect(listed == sqliteExecutions)

            // Nothing changed in git: a pass on the shared catalog finds everything Ready and builds nothing.
            let quiet = try await stack.sync(postgres)
            #expect(quiet.exitCode == 0, "\(quiet)")
            #expect(!quiet.stdout.contains("done "), "\(quiet)")
            #expect(!FileManager.default.fileExists(atPath: "\(stack.data.path)/catalog.sqlite"))

            // A new run token: build #2 runs in its own worker process, which records its progress and outcome in
            // PostgreSQL.
            var settings = Stack.Settings()
            settings.token = "2"
            settings.keepResults = 2
            try stack.write(settings)
            let c2 = try await stack.repo.commit("Run web again")
            let plan = try await KilnBinary.run(
                ["plan", "--repo", stack.repo.path, "--data-dir", stack.data.path] + postgres)
            #expect(plan.exitCode == 3, "the plan reads the shared catalog: \(plan)")
            #expect(plan.stdout.contains("web"), "\(plan)")
            try await stack.syncReady(postgres)
            let rows = try await cluster.sql(
                #"SELECT string_agg("buildNumber" || ':' || status || ':' || revision, ',' ORDER BY "buildNumber") FROM execution"#,
                database: name)
            #expect(rows == "1:success:\(sqliteExecutions[0].revision),2:success:\(c2)")
            let images = try await cluster.sql(
                #"SELECT "buildNumber" || ':' || format FROM virtual_image ORDER BY id"#, database: name)
            #expect(images.split(separator: "\n").contains("2:qcow2"), "\(images)")
            #expect(!FileManager.default.fileExists(atPath: "\(stack.data.path)/catalog.sqlite"))
            // The worker's log is found through the shared catalog too.
            let logs = try await KilnBinary.run(["logs", "web", "2", "--data-dir", stack.data.path] + postgres)
            #expect(logs.exitCode == 0 && logs.stdout.contains("wrote /etc/kiln-test"), "\(logs)")

            // teardown takes the shared catalog too: the data dir holds no catalog file, and --purge removes it.
            let teardown = try await KilnBinary.run(
                ["teardown", "--data-dir", stack.data.path, "--purge"] + postgres)
            #expect(teardown.exitCode == 0 && teardown.stdout.contains("deleted "), "\(teardown)")
            #expect(!FileManager.default.fileExists(atPath: stack.data.path))
            #expect(try await cluster.sql("SELECT count(*) FROM execution", database: name) == "2")
        }
    }

    @Test(
        "kiln serve on a PostgreSQL catalog: the loop and its workers write there, and the API follows the catalog's changes"
    )
    func serveOnPostgres() async throws {
        try await Stack.with { stack in
            try stack.write()
            _ = try await stack.repo.commit("Add the web stack")
            let (cluster, url, name) = try await SharedPostgres.shared.newDatabase("cli_serve")
            let postgres = ["--catalog", url, "--catalog-password-file", cluster.passwordFile]
            try await ServeProcess.with(
                repo: stack.repo.path, dataDir: stack.data.path, extra: ["--interval", "1s"] + postgres
            ) { serve in
                // The worker process records the outcome; the server sees it through the change counters.
                try await serve.wait(for: "build web #1 to succeed in the API") {
                    // 404 until the first pass has applied the build.
                    let answer = try await serve.request("/kiln/v1/status/imagebuild/web")
                    guard answer.status == 200, let build = SpecValue(json: answer.body) else { return false }
                    return build["lastResult"]?["buildNumber"]?.int == 1
                        && build["lastResult"]?["status"]?.string == "success"
                }
                let rows = try await cluster.sql(
                    #"SELECT "buildNumber" || ':' || status FROM execution"#, database: name)
                #expect(rows == "1:success")
                let served = try await KilnBinary.run(["get", "executions", "web", "-o", "json", "--server", serve.url])
                let local = try await KilnBinary.run(
                    ["get", "executions", "web", "-o", "json", "--data-dir", stack.data.path] + postgres)
                #expect(served.exitCode == 0 && local.exitCode == 0, "\(served) \(local)")
                #expect(served.stdout == local.stdout, "the server's answer differs from the catalog's")
            }
            #expect(
                !FileManager.default.fileExists(atPath: "\(stack.data.path)/catalog.sqlite"),
                "no SQLite catalog beside PostgreSQL")
        }
    }

    @Test(
        "PostgreSQL restarts under kiln serve: the API keeps answering from its last read, /readyz says stale, and serve converges after"
    )
    func databaseRestartUnderServe() async throws {
        // A cluster of its own: stopping the shared one would pull it from under the other tests.
        let cluster = try await PostgresCluster.start()
        do {
            try await databaseRestartUnderServe(cluster)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    func databaseRestartUnderServe(_ cluster: PostgresCluster) async throws {
        try await Stack.with { stack in
            try stack.write()
            _ = try await stack.repo.commit("Add the web stack")
            try await cluster.createDatabase("restart")
            let postgres = [
                "--catalog", cluster.url(database: "restart"), "--catalog-password-file", cluster.passwordFile
            ]
            try await ServeProcess.with(
                repo: stack.repo.path, dataDir: stack.data.path,
                extra: ["--interval", "1s", "--host-name", "pg-host"] + postgres
            ) { serve in
                func lastBuild() async throws -> (number: Int?, status: String?)? {
                    let answer = try await serve.request("/kiln/v1/status/imagebuild/web")
                    guard answer.status == 200, let build = SpecValue(json: answer.body) else { return nil }
                    return (build["lastResult"]?["buildNumber"]?.int, build["lastResult"]?["status"]?.string)
                }
                try await serve.wait(for: "build web #1 to succeed") {
                    let last = try await lastBuild()
                    return last?.number == 1 && last?.status == "success"
                }
                try await serve.wait(for: "/readyz to be ready") { try await serve.request("/readyz").status == 200 }
                try await serve.wait(for: "/readyz to name this host as the leader, through the advisory lock") {
                    let body = SpecValue(json: try await serve.request("/readyz").body)
                    return body?["role"]?.string == "leader" && body?["leader"]?.string == "pg-host"
                        && (body?["epoch"]?.int ?? 0) >= 1
                }

                await cluster.stopServer()
                try await serve.wait(for: "/readyz to say the read model is stale") {
                    let ready = try await serve.request("/readyz")
                    return ready.status == 503 && ready.body.contains("stale")
                }
                let last = try await lastBuild()
                #expect(
                    last?.number == 1 && last?.status == "success",
                    "the API answers from its last read while the database is down")

                try await cluster.startServer()
                try await serve.wait(for: "/readyz to be ready again") {
                    try await serve.request("/readyz").status == 200
                }
                var settings = Stack.Settings()
                settings.token = "2"
                try stack.write(settings)
                _ = try await stack.repo.commit("Run web again")
                try await serve.wait(for: "build web #2 to succeed after the restart") {
                    let last = try await lastBuild()
                    return last?.number == 2 && last?.status == "success"
                }
            }
        }
    }

    @Test(
        "a password in --catalog is refused before anything runs, and never echoed",
        arguments: [
            ["get", "builds"], ["sync", "--repo", "."], ["plan", "--repo", "."], ["serve", "--repo", "."]
        ])
    func passwordInURL(_ command: [String]) async throws {
        let result = try await KilnBinary.run(command + ["--catalog", "postgres://kiln:hunter2@127.0.0.1:5432/kiln"])
        #expect(result.exitCode == 2, "\(result)")
        #expect(result.stderr.contains("a password in the URL is refused"), "\(result)")
        #expect(!result.stderr.contains("hunter2") && !result.stdout.contains("hunter2"), "\(result)")
    }

    @Test("a wrong password, an unreachable server and a newer schema each stop the command with what to do")
    func badCatalogs() async throws {
        try await Scratch.with { scratch in
            let (cluster, url, name) = try await SharedPostgres.shared.newDatabase("cli_bad")
            let wrong = scratch.file("wrong-password")
            FileManager.default.createFile(
                atPath: wrong, contents: Data("wrong-horse-battery\n".utf8), attributes: [.posixPermissions: 0o600])
            let refused = try await KilnBinary.run([
                "get", "builds", "--data-dir", scratch.dataDir, "--catalog", url,
                "--catalog-password-file", wrong
            ])
            #expect(refused.exitCode == 1, "\(refused)")
            #expect(
                refused.stderr.contains("PostgreSQL refused user kiln")
                    && refused.stderr.contains("--catalog-password-file"), "\(refused)")
            #expect(!refused.stderr.contains("wrong-horse-battery"), "\(refused)")
            // kiln serve stops at once too, rather than start and retry a password that will never work.
            let repo = try await GitRepository(at: scratch.file("repo"))
            try repo.write("image.yaml", Specs.catalogImage("web"))
            try await repo.commit("one image")
            let serveRefused = try await KilnBinary.run(
                [
                    "serve", "--repo", repo.path, "--data-dir", scratch.file("serve-data"),
                    "--listen", "127.0.0.1:0", "--catalog", url,
                    "--catalog-password-file", wrong
                ], timeout: .seconds(120))
            #expect(serveRefused.exitCode == 1, "\(serveRefused)")
            #expect(
                serveRefused.stderr.contains("PostgreSQL refused user kiln")
                    && serveRefused.stderr.contains("--catalog-password-file"),
                "\(serveRefused)")
            #expect(
                !serveRefused.stderr.contains("wrong-horse-battery")
                    && !serveRefused.stdout.contains("wrong-horse-battery"),
                "\(serveRefused)")

            let port = try PostgresCluster.freePort()
            let unreachable = try await KilnBinary.run([
                "get", "builds", "--data-dir", scratch.dataDir,
                "--catalog", "postgres://kiln@127.0.0.1:\(port)/kiln?sslmode=disable"
            ])
            #expect(unreachable.exitCode == 1, "\(unreachable)")
            #expect(
                unreachable.stderr.contains("cannot reach the PostgreSQL catalog at 127.0.0.1:\(port)"),
                "\(unreachable)")
            #expect(
                unreachable.stderr.contains("connection refused: nothing listens on that port; is the server running"),
                "\(unreachable)")

            // PGPASSFILE works as libpq's: the matching line's password.
            let pgpass = scratch.file("pgpass")
            FileManager.default.createFile(
                atPath: pgpass, contents: Data("127.0.0.1:\(cluster.port):*:kiln:\(cluster.password)\n".utf8),
                attributes: [.posixPermissions: 0o600])
            let empty = try await KilnBinary.run(
                ["get", "builds", "--data-dir", scratch.dataDir, "--catalog", url],
                environment: ["PGPASSFILE": pgpass])
            #expect(empty.exitCode == 0, "\(empty)")
            #expect(empty.stdout.hasPrefix("NAME"), "\(empty)")

            // A version far past any this Kiln will have, so that the case stays newer as migrations are added.
            try await cluster.sql(
                "INSERT INTO kiln_schema (version, name) VALUES (9999, 'v9999: from a newer Kiln')", database: name)
            for command in [["get", "builds"], ["sync", "--repo", repo.path]] {
                let newer = try await KilnBinary.run(
                    command + ["--data-dir", scratch.dataDir, "--catalog", url],
                    environment: ["PGPASSFILE": pgpass])
                #expect(newer.exitCode == 1, "\(command): \(newer)")
                #expect(
                    newer.stderr.contains(
                        "has schema version 9999 (v9999: from a newer Kiln), newer than this Kiln knows"), "\(newer)")
                #expect(newer.stderr.contains("upgrade this host's Kiln"), "\(newer)")
            }
            // The refused sync wrote nothing: the repo's Image is not in the newer Kiln's catalog, and no pass ran.
            #expect(try await cluster.sql("SELECT count(*) FROM image", database: name) == "0")
            #expect(try await cluster.sql("SELECT count(*) FROM sync", database: name) == "0")
        }
    }
}
