import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// What a real `kiln serve` says about the fleet: on the embedded catalog it is the one host and leads alone, with its
/// heartbeat in the hosts table, as `/readyz`, `/kiln/v1/hosts` and `kiln get hosts` show.
@Suite struct ServeFleetReportTests {
    @Test("kiln serve on SQLite leads alone: /readyz names it, /kiln/v1/hosts and kiln get hosts list it Ready")
    func singleHostLeads() async throws {
        try await Stack.with { stack in
            try stack.write()
            _ = try await stack.repo.commit("Add the web stack")
            let extra = ["--interval", "1s", "--host-name", "solo-1", "--lease", "3s", "--host-label", "zone=test"]
            try await ServeProcess.with(repo: stack.repo.path, dataDir: stack.data.path, extra: extra) { serve in
                try await serve.wait(for: "/readyz to name this host as the leader") {
                    let ready = try await serve.request("/readyz")
                    guard let body = SpecValue(json: ready.body) else { return false }
                    return body["role"]?.string == "leader" && body["leader"]?.string == "solo-1"
                        && body["host"]?.string == "solo-1"
                        && (body["epoch"]?.int ?? 0) >= 1 && body["leaderSince"]?.string != nil
                }
                try await serve.wait(for: "/kiln/v1/hosts to list this host, Ready, with its API address and label") {
                    let answer = try await serve.request("/kiln/v1/hosts")
                    guard answer.status == 200, let hosts = SpecValue(json: answer.body)?["hosts"]?.list,
                        hosts.count == 1
                    else { return false }
                    let host = hosts[0]
                    return host["name"]?.string == "solo-1" && host["state"]?.string == "Ready"
                        && host["leader"]?.bool == true
                        && host["address"]?.string == serve.url && host["labels"]?["zone"]?.string == "test"
                }
                let sync = SpecValue(json: try await serve.request("/kiln/v1/sync").body)
                #expect(sync?["leader"]?.string == "solo-1", "\(String(describing: sync))")
                let listed = try await KilnBinary.run(["get", "hosts", "--data-dir", stack.data.path])
                #expect(listed.exitCode == 0, "\(listed)")
                #expect(listed.stdout.contains("solo-1") && listed.stdout.contains("Ready"), "\(listed)")

                // kiln drain: kept in the catalog, so the host's own heartbeats (which know nothing of it) keep it.
                let unknown = try await KilnBinary.run(["drain", "nowhere", "--data-dir", stack.data.path])
                #expect(unknown.exitCode == 1, "\(unknown)")
                #expect(unknown.stderr.contains("no host named nowhere in the fleet (hosts: solo-1)"), "\(unknown)")
                let before = try await serve.request("/kiln/v1/hosts")
                let beatBefore = SpecValue(json: before.body)?["hosts"]?.list?.first?["heartbeatAt"]?.string
                let drained = try await KilnBinary.run(["drain", "solo-1", "--data-dir", stack.data.path])
                #expect(drained.exitCode == 0 && drained.stdout.contains("drained host solo-1"), "\(drained)")
                try await serve.wait(for: "a heartbeat after the drain, and the host still drained") {
                    let host = SpecValue(json: try await serve.request("/kiln/v1/hosts").body)?["hosts"]?.list?.first
                    return host?["heartbeatAt"]?.string != beatBefore && host?["cordoned"]?.bool == true
                }
                let shown = try await KilnBinary.run(["get", "hosts", "--data-dir", stack.data.path])
                #expect(shown.stdout.contains("Ready,Drained"), "\(shown)")
                let back = try await KilnBinary.run(["drain", "solo-1", "--undo", "--data-dir", stack.data.path])
                #expect(back.exitCode == 0 && back.stdout.contains("host solo-1 takes work again"), "\(back)")
                try await serve.wait(for: "the API to show the host taken back") {
                    let host = SpecValue(json: try await serve.request("/kiln/v1/hosts").body)?["hosts"]?.list?.first
                    return host?["cordoned"]?.bool == false
                }
            }
        }
    }

    @Test(
        "a bad --host-name, --lease, --host-label or --host-cpus is refused before anything runs, naming the flag",
        arguments: [
            (["--host-name", "a b"], "--host-name"), (["--lease", "100ms"], "--lease"),
            (["--host-label", "novalue"], "--host-label"),
            (["--host-label", "k=1", "--host-label", "k=2"], "--host-label k is given twice"),
            (["--host-label", "kiln.dev/host=other"], "--host-label kiln.dev/host=other: kiln.dev/host is Kiln's own"),
            (["--host-cpus", "0"], "--host-cpus must be at least 1")
        ])
    func badFleetFlags(_ flags: [String], _ expected: String) async throws {
        let result = try await KilnBinary.run(["serve", "--repo", "."] + flags)
        #expect(result.exitCode == 2, "\(result)")
        #expect(result.stderr.contains(expected), "\(result)")
    }
}
