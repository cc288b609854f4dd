import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// `kiln serve` under load, for real: `wrk` across every read endpoint for 60 s while commits land every few
    /// seconds and a build runs, with an event stream open throughout.
    @Suite(.timeLimit(.minutes(10))) struct ServeLoadTests {
        /// Every read endpoint that answers at once (the event stream and `follow=true` stream instead; the stream is
        /// the test's own client). Each names an object that exists for the whole run, so every answer is a 200.
        static let paths = [
            "/healthz", "/readyz", "/metrics", "/",
            "/api/image-builds?max=5&sort=name", "/api/image-builds/web", "/api/image-builds/web/list-executions",
            "/api/image-builds/web/executions/1/log",
            "/rest/images?api-version=3", "/rest/images/catalog",
            "/rest/images?query=%7B%22osType%22%3A%22linux%22%7D&sort=%7B%22name%22%3A-1%7D",
            "/api", "/api/images", "/api/images/web?format=json",
            "/vms", "/vms/web-1",
            "/kiln/v1/images/web/download", "/kiln/v1/image-builds/web/executions/1/artifacts/web-1.qcow2",
            "/kiln/v1/sync", "/kiln/v1/plan", "/kiln/v1/status/virtualmachine/web-1", "/kiln/v1/lineage/image/web",
            "/kiln/v1/docs/virtualmachine", "/ui/lineage/image/web"
        ]

        /// A wrk script that walks `paths` and counts the answers by status across its threads.
        static var script: String {
            """
            paths = { \(paths.map { "\"\($0)\"" }.joined(separator: ", ")) }
            counter = 0
            statuses = {}
            local threads = {}
            function setup(thread) table.insert(threads, thread) end
            function request()
              counter = counter + 1
              return wrk.format(nil, paths[(counter % #paths) + 1])
            end
            function response(status, headers, body)
              statuses[status] = (statuses[status] or 0) + 1
            end
            function done(summary, latency, requests)
              local total = {}
              for _, thread in ipairs(threads) do
                for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
              end
              for status, count in pairs(total) do io.write(string.format("status %d %d\\n", status, count)) end
              io.write(string.format("p50 %.3f ms\\np99 %.3f ms\\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
            end
            """
        }

        /// The server's open file descriptors and resident memory, from /proc.
        static func usage(_ pid: Int32) -> (fds: Int, rss: Int) {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            let rss =
                (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) * 1024
            return (fds, rss)
        }

        @Test func everyReadEndpointAnswersUnderLoadWhileCommitsLandAndABuildRuns() async throws {
            try await Stack.with { stack in
                try stack.write(Stack.Settings(keepResults: 2))
                try await stack.repo.commit("The stack")
                try await ServeProcess.with(
                    repo: stack.repo.path, dataDir: stack.data.path,
                    extra: ["--interval", "1s", "--rate-limit", "0"]
                ) { serve in
                    try await serve.wait(for: "web #1 and its image") {
                        let image = try await serve.request("/api/images/web?format=json")
                        guard image.body.contains("\"state\":\"ACTIVE\"") else { return false }
                        return try await serve.request("/readyz").status == 200
                    }
                    // Execution #2 waits at a gate for as long as the load lasts.
                    let gate = try Gate()
                    try stack.repo.write("scripts/provision.sh", gate.script(writing: "built under load"))
                    try stack.repo.write(
                        "builds/web.yaml",
                        Gate.build(extra: ["keepResults: 2", "run: {policy: onChange, token: \"2\"}"]))
                    try await stack.repo.commit("Run web again, behind a gate")
                    try await serve.wait(for: "web #2 to run") {
                        let list = try await serve.json("/api/image-builds/web/list-executions?buildNumber=2")
                        return list["imageBuildExecutions"]?.list?.first?["status"]?.string == "running"
                    }
                    let events = try RunningProcess(
                        "/usr/bin/env", ["curl", "-sS", "-N", serve.url + "/kiln/v1/events"])
                    defer { events.kill() }
                    #expect(
                        await events.waitForOutput { out, _ in out.contains("event: ") },
                        "the event stream sent nothing: \(events.output)")
                    let before = Self.usage(serve.process.pid)

                    // Commits land while wrk runs; each adds a catalog image.
                    let committer = Task { () -> (count: Int, head: String) in
                        var count = 0
                        var head = ""
                        while !Task.isCancelled {
                            count += 1
                            try stack.repo.write("extras/load-\(count).yaml", Specs.catalogImage("load-\(count)"))
                            head = try await stack.repo.commit("Catalog image load-\(count)")
                            try? await Task.sleep(for: .seconds(3))
                        }
                        return (count, head)
                    }
                    defer { committer.cancel() }
                    let script = stack.scratch.file("load.lua")
                    try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
                    let wrk = try await ChildProcess.run(
                        "/usr/bin/env", ["wrk", "-t2", "-c32", "-d60s", "--latency", "-s", script, serve.url],
                        timeout: .seconds(600))
                    committer.cancel()
                    let commits = try await committer.value
                    print("load: \(commits.count) commits during the run\n\(wrk.stdout)")
                    #expect(wrk.exitCode == 0, "\(wrk)")
                    let statuses = wrk.stdout.split(separator: "\n").filter { $0.hasPrefix("status ") }
                        .map { $0.split(separator: " ").dropFirst().map { Int($0) ?? 0 } }
                    #expect(!statuses.isEmpty, "wrk counted no answers: \(wrk.stdout)")
                    for status in statuses where ![200, 304, 429].contains(status[0]) {
                        Issue.record("\(status[1]) answers with status \(status[0]) under load")
                    }
                    #expect(!wrk.stdout.contains("Socket errors"), "\(wrk.stdout)")

                    // Afterwards: the last commit is applied, the build finishes, the stream is still open and told of it.
                    try await serve.wait(for: "the last commit to be applied") {
                        try await serve.json("/kiln/v1/sync")["lastApplied"]?["commit"]?.string == commits.head
                    }
                    gate.open()
                    try await serve.wait(for: "web #2 to succeed") {
                        let list = try await serve.json("/api/image-builds/web/list-executions?buildNumber=2")
                        return list["imageBuildExecutions"]?.list?.first?["status"]?.string == "success"
                    }
                    #expect(
                        await events.waitForOutput { out, _ in out.contains(commits.head) },
                        "the event stream did not report \(commits.head)")
                    #expect(
                        !ProcessSweep.isZombie(events.pid), "the event stream ended under load: \(events.output.stderr)"
                    )

                    // File descriptors come back (wrk's 32 connections are closed); what may stay is the catalog's
                    // pool of readers, opened on demand up to its cap of 5 (a database and a WAL descriptor each).
                    try await serve.wait(for: "the server's file descriptors to return to \(before.fds) + 10") {
                        Self.usage(serve.process.pid).fds <= before.fds + 10
                    }
                    let after = Self.usage(serve.process.pid)
                    print(
                        "load: fds \(before.fds) → \(after.fds), RSS \(before.rss / 1_000_000) MB → \(after.rss / 1_000_000) MB"
                    )
                    #expect(
                        after.rss <= before.rss + 128_000_000,
                        "RSS grew from \(before.rss) to \(after.rss) bytes (bound: +128 MB)")
                }
            }
        }
    }
}
