import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// `kiln sync` against a real git repository, commit after commit: create, change, run, prune, suspend, delete,
    /// revert and purge. After each: the exit code, `kiln get -o json`, the status files and the files on disk.
    @Suite(.timeLimit(.minutes(10))) struct SyncLifecycleTests {
        @Test func createChangeRunPruneAndSuspend() async throws {
            try await Stack.with { stack in
                let data = stack.data
                var settings = Stack.Settings()

                // MARK: create — a first pass without --wait starts the build and returns; the build goes on.
                try stack.write(settings)
                let c1 = try await stack.repo.commit("Add the web stack", author: .ada)
                let first = try await stack.sync(wait: false)
                #expect(first.exitCode == 1, "not everything is Ready yet: \(first)")
                #expect(first.stdout.contains("commit \(c1.prefix(12)) applied"), "\(first)")
                #expect(first.stdout.contains("work continues"), "\(first)")
                try await stack.syncReady()

                let executions = try await data.executions("web")
                #expect(executions.map(\.buildNumber) == [1], "the running build was re-attached, not started again")
                let one = try #require(executions.first)
                #expect(one.status == "success")
                #expect(one.revision == c1)
                #expect(one.createdBy == "Ada Lovelace")
                #expect(one.reason == "first execution")
                #expect(Set(one.virtualImages.map(\.format)) == ["raw", "qcow2"])
                for image in one.virtualImages {
                    #expect(image.path == "\(data.path)/artifacts/web/1/web-1.\(image.format)")
                    #expect(try await Checks.sha256(image.path) == image.sha256)
                }
                #expect(
                    try String(contentsOfFile: "\(data.path)/logs/web/1.log", encoding: .utf8).contains(
                        "wrote /etc/kiln-test"))

                let images = try await data.objects("images")
                #expect(images["web"]?["state"] == .string("ACTIVE"))
                #expect(images["web"]?["version"] == .int(1))
                #expect(images["web"]?["path"]?.string == "\(data.path)/artifacts/web/1/web-1.qcow2")
                #expect(images["catalog"]?["state"] == .string("ACTIVE"))
                let vm = try #require(try await data.objects("vms")["web-1"])
                #expect(vm["status"] == .string("powered-off"))
                #expect(vm["cpus"] == .int(1))
                let uuid = try #require(vm["id"]?.string)
                #expect(data.entries("vms") == [uuid])
                #expect(data.exists("vms/\(uuid)/disk.qcow2"))

                try Checks.expectStatus(data, "imagebuild", "web", commit: c1)
                try Checks.expectStatus(data, "image", "web", commit: c1)
                try Checks.expectStatus(data, "image", "catalog", commit: c1)
                try Checks.expectStatus(data, "virtualmachine", "web-1", commit: c1)
                let buildReady = try data.status("imagebuild", "web")["conditions"]?.list?.first?["lastTransitionTime"]
                let sync1 = try data.syncStatus()
                #expect(sync1["lastApplied"]?["commit"]?.string == c1)
                #expect(sync1["lastApplied"]?["author"]?.string == "Ada Lovelace")
                #expect(sync1["lastSeen"]?["commit"]?.string == c1)
                #expect(sync1["refused"] == .null)
                #expect(sync1["source"]?.string == stack.repo.path)

                let table = try await KilnBinary.run(["get", "builds", "--data-dir", data.path])
                #expect(table.exitCode == 0)
                #expect(
                    table.stdout.hasPrefix(
                        "NAME  EXECUTIONS  LAST  STATUS   READY  MESSAGE\nweb   1           #1    success  True"),
                    "\(table)")

                // MARK: change a field — the VM is recreated (same id), no new execution.
                settings.cpus = 2
                try stack.write(settings)
                let c2 = try await stack.repo.commit("Give web-1 two CPUs", author: .grace)
                try await stack.syncReady()
                #expect(try await data.executions("web").map(\.buildNumber) == [1])
                let vm2 = try #require(try await data.objects("vms")["web-1"])
                #expect(vm2["cpus"] == .int(2))
                #expect(vm2["id"]?.string == uuid)
                #expect(data.entries("vms") == [uuid])
                try Checks.expectStatus(data, "virtualmachine", "web-1", commit: c2)
                // A status observes the commit that last changed its object's spec: the build's is still c1.
                try Checks.expectStatus(data, "imagebuild", "web", commit: c1)
                // The build did not change: its Ready condition did not transition.
                #expect(
                    try data.status("imagebuild", "web")["conditions"]?.list?.first?["lastTransitionTime"] == buildReady
                )
                #expect(try data.syncStatus()["lastApplied"]?["author"]?.string == "Grace Hopper")

                // MARK: run — a new token: execution #2; keepResults 1 prunes #1 and its files.
                settings.token = "2"
                try stack.write(settings)
                let c3 = try await stack.repo.commit("Rebuild web", author: .ada)
                try await stack.syncReady()
                let afterRun = try await data.executions("web")
                #expect(afterRun.map(\.buildNumber) == [2], "#1 is pruned (keepResults 1)")
                #expect(afterRun.first?.reason == "run.token changed (1 → 2)")
                #expect(afterRun.first?.revision == c3)
                #expect(!data.exists("artifacts/web/1"))
                #expect(!data.exists("logs/web/1.log"))
                #expect(data.files(under: "artifacts/web") == ["2/web-2.qcow2", "2/web-2.raw"])
                #expect(
                    data.entries("work").allSatisfy {
                        !$0.hasPrefix("execution-\(one.id).") && $0 != "execution-\(one.id)"
                    },
                    "the pruned execution's worker files go too: \(data.entries("work"))")
                let image2 = try #require(try await data.objects("images")["web"])
                #expect(image2["version"] == .int(2))
                #expect(image2["path"]?.string == "\(data.path)/artifacts/web/2/web-2.qcow2")
                // The VM was recreated on the new image: its overlay's backing file is build #2's qcow2.
                let info = try await ChildProcess.shell(
                    "qemu-img info --output=json -U \(ChildProcess.quoted(data.path + "/vms/\(uuid)/disk.qcow2"))")
                let backing = try JSONDecoder().decode(SpecValue.self, from: Data(info.utf8))["backing-filename"]?
                    .string
                #expect(backing == "\(data.path)/artifacts/web/2/web-2.qcow2")
                try Checks.expectStatus(data, "imagebuild", "web", commit: c3)

                // MARK: suspend — a token bump starts nothing while suspended.
                settings.suspend = true
                settings.token = "3"
                try stack.write(settings)
                let c4 = try await stack.repo.commit("Suspend web", author: .ada)
                try await stack.syncReady()
                #expect(try await data.executions("web").map(\.buildNumber) == [2])
                let suspended = try data.status("imagebuild", "web")
                #expect(suspended.ready?.reason == "Suspended")
                #expect(suspended["notes"]?.list?.contains { $0["reason"] == .string("Suspended") } == true)
                #expect(suspended["observedRevision"]?.string == c4)

                // MARK: resume — the pending token runs #3, which prunes #2.
                settings.suspend = false
                try stack.write(settings)
                let c5 = try await stack.repo.commit("Resume web", author: .ada)
                try await stack.syncReady()
                let resumed = try await data.executions("web")
                #expect(resumed.map(\.buildNumber) == [3])
                #expect(resumed.first?.reason == "run.token changed (2 → 3)")
                #expect(data.files(under: "artifacts/web") == ["3/web-3.qcow2", "3/web-3.raw"])
                #expect(data.entries("vms") == [uuid])
                try Checks.expectStatus(data, "imagebuild", "web", commit: c5)
            }
        }

        @Test func planAgainstTheCatalogUsesItsExecutions() async throws {
            try await Stack.with { stack in
                try stack.write()
                let c1 = try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()
                var settings = Stack.Settings()
                settings.token = "2"
                try stack.write(settings)
                try await stack.repo.commit("Rebuild web")
                // No --from: the commit the catalog last applied.
                let result = try await KilnBinary.run([
                    "plan", "--repo", stack.repo.path, "--data-dir", stack.data.path,
                    "--format", "json"
                ])
                #expect(result.exitCode == 3, "\(result)")
                let json = try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
                #expect(json["from"]?["commit"]?.string == c1)
                let consequences = (json["consequences"]?.list ?? []).map {
                    "\($0["action"]?.string ?? "") \($0["kind"]?.string ?? "")/\($0["name"]?.string ?? ""): \($0["reason"]?.string ?? "")"
                }
                #expect(
                    consequences.contains("run ImageBuild/web: a new execution: run.token changed (1 → 2)"),
                    "\(consequences)")
                #expect(
                    consequences.contains {
                        $0.hasPrefix(
                            "prune ImageBuild/web: after the new execution succeeds, execution #1 falls out of keepResults 1"
                        )
                    },
                    "\(consequences)")
                // Planning changes nothing.
                #expect(try await stack.data.executions("web").map(\.buildNumber) == [1])
            }
        }

        @Test func deleteMovesFilesToTombstonesAndARevertRestoresThem() async throws {
            try await Stack.with { stack in
                let data = stack.data
                try stack.write()
                let added = try await stack.repo.commit("Add the web stack")
                try await stack.syncReady()
                let before = try #require(try await data.executions("web").first)
                let uuid = try #require(try await data.objects("vms")["web-1"]?["id"]?.string)
                let qcow2 = try #require(before.virtualImages.first { $0.format == "qcow2" })

                // MARK: delete — build, image and VM go; their files wait in the tombstone area.
                try stack.removeWeb()
                let deletion = try await stack.repo.commit("Retire web")
                try await stack.syncReady()
                #expect(try await data.objects("builds").isEmpty)
                #expect(Array(try await data.objects("images").keys) == ["catalog"])
                #expect(try await data.objects("vms").isEmpty)
                #expect(!data.exists("artifacts/web"))
                #expect(!data.exists("logs/web"))
                #expect(data.entries("vms").isEmpty)
                #expect(!data.statusExists("imagebuild", "web"))
                #expect(!data.statusExists("image", "web"))
                #expect(!data.statusExists("virtualmachine", "web-1"))
                try Checks.expectStatus(data, "image", "catalog", commit: added)
                #expect(try data.syncStatus()["lastApplied"]?["commit"]?.string == deletion)
                let buried = data.files(under: "tombstones")
                #expect(
                    buried.contains { $0.hasPrefix("imagebuild-web-") && $0.hasSuffix("/artifacts/1/web-1.qcow2") },
                    "\(buried)")
                #expect(buried.contains { $0.hasPrefix("imagebuild-web-") && $0.hasSuffix("/logs/1.log") }, "\(buried)")
                #expect(
                    buried.contains { $0.hasPrefix("virtualmachine-web-1-") && $0.hasSuffix("/vm/disk.qcow2") },
                    "\(buried)")

                // MARK: revert within the grace — everything comes back, without a new execution.
                let revert = try await stack.repo.revertHead()
                try await stack.syncReady()
                let restored = try await data.executions("web")
                #expect(restored.map(\.buildNumber) == [1])
                #expect(restored.first?.id == before.id)
                #expect(try await Checks.sha256(qcow2.path) == qcow2.sha256)
                #expect(try await data.objects("vms")["web-1"]?["id"]?.string == uuid)
                #expect(data.entries("vms") == [uuid])
                #expect(data.files(under: "tombstones").isEmpty)
                // Restored as they were: their specs are those of the first commit, which their status observes.
                try Checks.expectStatus(data, "imagebuild", "web", commit: added)
                try Checks.expectStatus(data, "virtualmachine", "web-1", commit: added)
                #expect(try data.syncStatus()["lastApplied"]?["commit"]?.string == revert)

                // MARK: delete again — once the grace has passed, the files are purged.
                try stack.removeWeb()
                try await stack.repo.commit("Retire web for good")
                try await stack.syncReady(["--prune-grace", "1h"])
                #expect(!data.files(under: "tombstones").isEmpty, "within the grace, the files wait")
                // Two hours later on Kiln's clock (no sleeping through the grace).
                try await stack.syncReady(["--prune-grace", "1h", "--clock-offset", "2h"])
                #expect(data.files(under: "tombstones").isEmpty)
                #expect(data.entries("tombstones").isEmpty)
            }
        }
    }
}
