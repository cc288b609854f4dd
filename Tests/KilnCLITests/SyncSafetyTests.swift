import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// The safety rules of `kiln sync` against a real git repository: an invalid commit is refused (and reported)
    /// until a valid one follows, a destructive commit needs an opt-in, one Kiln per data dir, and the data dir is
    /// Kiln's own however its path is written.
    @Suite(.timeLimit(.minutes(10))) struct SyncSafetyTests {
        @Test func invalidCommitIsRefusedUntilAValidOneFollows() async throws {
            try await Stack.with { stack in
                let data = stack.data
                var settings = Stack.Settings()
                try stack.write(settings)
                let good = try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()

                // An invalid commit that also bumps the token: nothing of it is applied.
                settings.token = "2"
                settings.memory = "1gb"
                try stack.write(settings)
                let bad = try await stack.repo.commit("Bigger web-1", author: .mallory)
                let refused = try await stack.sync()
                #expect(refused.exitCode == 1, "\(refused)")
                #expect(
                    refused.stdout.contains(
                        "commit \(good.prefix(12)) applied (branch head \(bad.prefix(12)) refused: invalid)"),
                    "\(refused)")
                let error =
                    #"vms/web-1.yaml:8:11: spec.memory: "1gb" is not an IEC size: gb is ambiguous (10ⁿ or 2ⁿ bytes); write 1gib (use 1gib, 1024mib, 1048576kib …)"#
                #expect(refused.stdout.contains("  " + error), "\(refused)")
                let sync = try data.syncStatus()
                #expect(sync["lastApplied"]?["commit"]?.string == good)
                #expect(sync["lastSeen"]?["commit"]?.string == bad)
                #expect(sync["refused"]?["commit"]?.string == bad)
                #expect(sync["refused"]?["reason"]?.string == "invalid")
                #expect(sync["refused"]?["author"]?.string == "Mallory Mayhem")
                #expect(sync["refused"]?["message"]?.string == "Bigger web-1")
                #expect(sync["refused"]?["errors"] == .list([.string(error)]))
                #expect(try await data.executions("web").map(\.buildNumber) == [1])
                #expect(try await data.objects("vms")["web-1"]?["memory"] == .string("128.0mib"))
                try Checks.expectStatus(data, "imagebuild", "web", commit: good)
                try Checks.expectStatus(data, "virtualmachine", "web-1", commit: good)

                // A later valid commit applies at once, and the refusal is cleared.
                settings.memory = "256mib"
                try stack.write(settings)
                let fixed = try await stack.repo.commit("Bigger web-1, in IEC units", author: .ada)
                try await stack.syncReady()
                let after = try data.syncStatus()
                #expect(after["lastApplied"]?["commit"]?.string == fixed)
                #expect(after["refused"] == .null)
                #expect(try await data.executions("web").map(\.buildNumber) == [2])
                #expect(try await data.objects("vms")["web-1"]?["memory"] == .string("256.0mib"))
                try Checks.expectStatus(data, "virtualmachine", "web-1", commit: fixed)
            }
        }

        @Test func destructiveCommitNeedsAnOptIn() async throws {
            try await Stack.with { stack in
                let data = stack.data
                var settings = Stack.Settings()
                let extras = (1...6).map { "extra-\($0)" }
                settings.extraImages = extras
                try stack.write(settings)
                let base = try await stack.repo.commit("Add the web stack and six catalog images")
                try await stack.syncReady()
                #expect(try await data.objects("images").count == 8)

                // Six deletions: over the budget of 5, refused.
                settings.extraImages = []
                try stack.write(settings)
                let wipe = try await stack.repo.commit("Drop the catalog images", author: .mallory)
                let refused = try await stack.sync()
                #expect(refused.exitCode == 1, "\(refused)")
                #expect(refused.stdout.contains("refused: destructive"), "\(refused)")
                #expect(
                    refused.stdout.contains(
                        "would delete: Image/extra-1, Image/extra-2, Image/extra-3, Image/extra-4, Image/extra-5, Image/extra-6"
                    ),
                    "\(refused)")
                let sync = try data.syncStatus()
                #expect(sync["lastApplied"]?["commit"]?.string == base)
                #expect(sync["refused"]?["commit"]?.string == wipe)
                #expect(sync["refused"]?["reason"]?.string == "destructive")
                #expect(sync["refused"]?["author"]?.string == "Mallory Mayhem")
                let deletions = sync["refused"]?["deletions"]?.list?.compactMap(\.string) ?? []
                #expect(Set(extras.map { "Image/\($0)" }).isSubset(of: Set(deletions)), "\(deletions)")
                #expect(try await data.objects("images").count == 8)

                // A commit with the trailer applies it.
                let allowed = try await stack.repo.commit(
                    "Drop the catalog images, really",
                    body: "Kiln-Allow-Destructive: true", author: .ada)
                try await stack.syncReady()
                #expect(Set(try await data.objects("images").keys) == ["web", "catalog"])
                let applied = try data.syncStatus()
                #expect(applied["lastApplied"]?["commit"]?.string == allowed)
                #expect(applied["refused"] == .null)

                // So does --allow-destructive, for a commit without the trailer.
                settings.extraImages = extras
                try stack.write(settings)
                try await stack.repo.commit("Bring the catalog images back")
                try await stack.syncReady()
                settings.extraImages = []
                try stack.write(settings)
                let again = try await stack.repo.commit("Drop them again")
                #expect(try await stack.sync().exitCode == 1)
                try await stack.syncReady(["--allow-destructive"])
                #expect(Set(try await data.objects("images").keys) == ["web", "catalog"])
                #expect(try data.syncStatus()["lastApplied"]?["commit"]?.string == again)
            }
        }

        /// Kiln records paths under its data dir; the same folder named another way (`./data`, `x/../data`) on a later
        /// run must still be recognised as its own.
        @Test func theSameDataDirNamedAnotherWayIsStillKilnsOwn() async throws {
            try await Stack.with { stack in
                try stack.write()
                try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()
                var settings = Stack.Settings()
                settings.cpus = 2
                settings.token = "2"
                try stack.write(settings)
                try await stack.repo.commit("Two CPUs, and rebuild")
                let result = try await KilnBinary.run(
                    [
                        "sync", "--repo", stack.repo.path, "--data-dir", "./data", "--wait",
                        "--timeout", "10m"
                    ], directory: stack.scratch.path)
                #expect(result.exitCode == 0, "\(result)")
                #expect(!result.stdout.contains("not in Kiln's inventory"), "\(result)")
                #expect(try await stack.data.executions("web").map(\.buildNumber) == [2])
                #expect(try await stack.data.objects("vms")["web-1"]?["cpus"] == .int(2))
            }
        }

        /// Secret references resolve at build time from Kiln's environment; neither their values nor their names
        /// reach the status files, the catalog's answers or the build log.
        @Test func secretsNeverReachStatusLogsOrTheCatalog() async throws {
            try await Stack.with { stack in
                let token = "s3cr3t-\(UUID().uuidString)"
                let password = "pw-\(UUID().uuidString)"
                try stack.repo.write(
                    "scripts/provision.sh", "#!/bin/sh\necho \"token is $TOKEN\"\necho hi > \"$KILN_ROOTFS/hi\"\n")
                try stack.repo.write(
                    "builds/web.yaml",
                    Specs.build(
                        "web",
                        extra: [
                            "sshUsername: builder", "sshPassword: {fromEnv: KILN_E2E_PASSWORD}"
                        ]
                    ).replacingOccurrences(
                        of: "timeout: 2m}", with: "timeout: 2m, secretEnv: {TOKEN: {fromEnv: KILN_E2E_TOKEN}}}"))
                try await stack.repo.commit("A build with secrets")
                let result = try await stack.sync(environment: ["KILN_E2E_TOKEN": token, "KILN_E2E_PASSWORD": password])
                #expect(result.exitCode == 0, "\(result)")
                let log = try String(contentsOfFile: stack.data.path + "/logs/web/1.log", encoding: .utf8)
                #expect(log.contains("token is ************"), "\(log)")
                let status = try String(contentsOfFile: stack.data.statusPath("imagebuild", "web"), encoding: .utf8)
                #expect(status.contains("sshPassword: \"************\""))
                #expect(status.contains("TOKEN: \"************\""))
                let get = try await KilnBinary.run(["get", "builds", "web", "--data-dir", stack.data.path, "-o", "yaml"]
                )
                for text in [status, get.stdout, result.stdout, result.stderr] {
                    #expect(!text.contains("KILN_E2E_"), "a secret's reference is masked")
                }
                // No file Kiln wrote outside the images themselves holds a secret's value.
                for file in stack.data.files(under: ".") where !file.hasPrefix("artifacts/") {
                    let bytes = (try? Data(contentsOf: URL(fileURLWithPath: "\(stack.data.path)/\(file)"))) ?? Data()
                    for secret in [token, password] {
                        #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds a secret's value")
                    }
                }
            }
        }
    }
}
