import Foundation
import KilnTestSupport
import Testing

extension Reconciling {
    /// `kiln get --server`, `kiln get executions --watch` and `kiln logs` against a real `kiln serve` on loopback,
    /// compared with what the same commands read from the data dir.
    @Suite(.timeLimit(.minutes(10))) struct ServerClientTests {
        /// `kiln get` from a server prints what it prints from the data dir, in every format; `kiln logs` too.
        @Test func getAndLogsAnswerFromTheServerAsFromTheDataDir() async throws {
            try await Stack.with { stack in
                try stack.write()
                // The build's script gets a secret; whatever log shows it, it is masked.
                try stack.repo.write(
                    "builds/web.yaml",
                    Specs.build("web").replacingOccurrences(
                        of: "phase: provision, timeout: 2m}",
                        with: "phase: provision, timeout: 2m, secretEnv: {API_KEY: {fromFile: api-key}}}"))
                try FileManager.default.createDirectory(
                    atPath: stack.data.path + "/secrets", withIntermediateDirectories: true)
                try "hunter2-s3cret\n".write(
                    toFile: stack.data.path + "/secrets/api-key", atomically: true, encoding: .utf8)
                try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()
                let logFile = try FileHandle(forWritingTo: URL(fileURLWithPath: stack.data.path + "/logs/web/1.log"))
                try logFile.seekToEnd()
                try logFile.write(contentsOf: Data("a line that leaks hunter2-s3cret\n".utf8))
                try logFile.close()
                let tokenFile = stack.scratch.file("tokens")
                try "first-3b9d\nsecond-77aa\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
                let data = ["--data-dir", stack.data.path]
                try await ServeProcess.with(
                    repo: stack.repo.path, dataDir: stack.data.path,
                    extra: ["--interval", "1h", "--token-file", tokenFile]
                ) { serve in
                    let remote = ["--server", serve.url + "/", "--token-file", tokenFile]
                    var commands: [[String]] = []
                    for what in ["builds", "images", "vms"] {
                        for format in ["table", "json", "yaml"] { commands.append(["get", what, "-o", format]) }
                    }
                    commands += [
                        ["get", "builds", "web", "-o", "yaml"], ["get", "images", "catalog", "-o", "json"],
                        ["get", "vms", "web-1"], ["get", "executions", "web"],
                        ["get", "executions", "web", "-o", "yaml"],
                        ["get", "executions", "web", "-o", "json"], ["logs", "web"], ["logs", "web", "1"],
                        ["logs", "web", "1", "--follow"]
                    ]
                    for command in commands {
                        let local = try await KilnBinary.run(command + data)
                        let served = try await KilnBinary.run(command + remote)
                        #expect(local.exitCode == 0, "\(command): \(local)")
                        #expect(served.exitCode == 0, "\(command) --server: \(served)")
                        #expect(
                            served.stdout == local.stdout, "\(command): the server's answer differs from the data dir's"
                        )
                        #expect(!local.stdout.isEmpty, "\(command)")
                    }
                    for log in [
                        try await KilnBinary.run(["logs", "web"] + remote),
                        try await KilnBinary.run(["logs", "web"] + data)
                    ] {
                        #expect(log.stdout.contains("wrote /etc/kiln-test"))
                        #expect(
                            log.stdout.contains("a line that leaks ************\n") && !log.stdout.contains("hunter2"),
                            "\(log)")
                    }

                    // What the user did wrong, said plainly.
                    for (command, message) in [
                        (["get", "builds", "nope"], "no ImageBuild named nope"),
                        (["get", "executions", "nope"], "no ImageBuild named nope"),
                        (["logs", "web", "9"], "image build web has no execution 9")
                    ] {
                        let result = try await KilnBinary.run(command + remote)
                        #expect(result.exitCode == 1, "\(command): \(result)")
                        #expect(
                            result.stderr.contains("answered 404") && result.stderr.contains(message),
                            "\(command): \(result)")
                    }
                    let anonymous = try await KilnBinary.run(["get", "builds", "--server", serve.url])
                    #expect(anonymous.exitCode == 1)
                    #expect(
                        anonymous.stderr.contains("answered 401") && anonymous.stderr.contains("--token-file"),
                        "\(anonymous)")
                }
                let gone = try await KilnBinary.run(["get", "builds", "--server", "http://127.0.0.1:9"])
                #expect(gone.exitCode == 1)
                #expect(gone.stderr.contains("cannot reach kiln serve at http://127.0.0.1:9"), "\(gone)")
                let bad = try await KilnBinary.run(["get", "builds", "--server", "ftp://example.org"])
                #expect(
                    bad.exitCode == 2 && bad.stderr.contains("--server must be an http:// or https:// URL"), "\(bad)")
            }
        }

        /// While an execution runs, `--watch` (from the server and from the data dir) and `logs --follow` show it live,
        /// and end or move on when it ends. The build's script waits at a gate the test opens, so "while it runs" holds
        /// for as long as the test needs.
        @Test func watchAndFollowShowARunningExecutionLive() async throws {
            try await Stack.with { stack in
                let gate = try Gate()
                try stack.repo.write("scripts/provision.sh", gate.script(writing: "gated"))
                try stack.repo.write("builds/web.yaml", Gate.build())
                try await stack.repo.commit("Add a build that waits at a gate")
                let data = stack.data.path
                try await ServeProcess.with(repo: stack.repo.path, dataDir: data, extra: ["--interval", "1s"]) {
                    serve in
                    // The first pass applies the build and starts execution #1, which then waits at the gate; wait
                    // until the server's read model has it too (it follows the catalog a few times a second).
                    let deadline = ContinuousClock.now + .seconds(300)
                    while ContinuousClock.now < deadline {
                        let served = try await KilnBinary.run([
                            "get", "executions", "web", "-o", "json", "--server", serve.url
                        ])
                        if served.exitCode == 0, served.stdout.contains("\"buildNumber\": 1") { break }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    let watch = try KilnBinary.start(["get", "executions", "web", "--watch", "--server", serve.url])
                    let localWatch = try KilnBinary.start(["get", "executions", "web", "--watch", "--data-dir", data])
                    defer {
                        watch.kill()
                        localWatch.kill()
                    }
                    for process in [watch, localWatch] {
                        #expect(
                            await process.waitForOutput { out, _ in out.contains("web #1 running") },
                            "\(process.output)")
                    }
                    let follow = try KilnBinary.start(["logs", "web", "--follow", "--server", serve.url])
                    let localFollow = try KilnBinary.start(["logs", "web", "1", "--follow", "--data-dir", data])
                    for process in [follow, localFollow] {
                        #expect(
                            await process.waitForOutput { out, _ in out.contains("waiting for the gate") },
                            "\(process.output)")
                        #expect(!process.output.stdout.contains("wrote /etc/kiln-test"))
                    }

                    gate.open()
                    // Following ends when the execution does, having printed the whole log.
                    for process in [follow, localFollow] {
                        let result = await process.wait(timeout: .seconds(300))
                        #expect(result.exitCode == 0 && !result.signalled, "\(result)")
                        let log = try String(contentsOfFile: "\(data)/logs/web/1.log", encoding: .utf8)
                        #expect(log.contains("wrote /etc/kiln-test"))
                        #expect(result.stdout == log, "\(result)")
                    }
                    for process in [watch, localWatch] {
                        #expect(
                            await process.waitForOutput { out, _ in out.contains("web #1 success") },
                            "\(process.output)")
                        process.kill(SIGTERM)
                        let result = await process.wait(timeout: .seconds(60))
                        let lines = result.stdout.split(separator: "\n").map(String.init)
                        // One line per change, in order: never a line repeated, running before success.
                        #expect(lines.count == Set(lines).count, "\(result)")
                        let running = lines.firstIndex { $0.hasPrefix("web #1 running") }
                        let success = lines.firstIndex { $0.hasPrefix("web #1 success in ") }
                        #expect(running != nil && success != nil && running! < success!, "\(result)")
                    }
                }
            }
        }

        @Test func watchNeedsExecutionsAndATable() async throws {
            for (arguments, message) in [
                (["get", "builds", "--watch"], "--watch works with executions"),
                (["get", "executions", "web", "--watch", "-o", "json"], "--watch draws progress and takes no -o json"),
                (["get", "builds", "--token-file", "/dev/null"], "--token-file needs --server"),
                (["logs", "web", "0"], "the execution number must be 1 or more")
            ] {
                let result = try await KilnBinary.run(arguments)
                #expect(result.exitCode == 2, "\(arguments): \(result)")
                #expect(result.stderr.contains(message), "\(arguments): \(result)")
            }
        }
    }
}
