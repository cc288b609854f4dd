import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// `cloudInit: {userData: …}` through the real binary: the quickstart VM, kept stopped (its seed is made when it is
    /// provisioned, no boot needed), gets the file of the commit in its NoCloud seed with the secret resolved from
    /// `--secrets-dir` (and nowhere else); `kiln plan` says a new version of the file recreates it, and sync does; a
    /// clear-text password stops the commit, naming the file, line and column.
    @Suite(.tags(.qemu), .enabled(if: BootHost.canBoot, "needs qemu-img and mtools"))
    struct VMUserDataTests {
        static let userDataFile = "quickstart/vms/hello-1.user-data.yaml"

        @Test(.timeLimit(.minutes(10)))
        func userDataInTheSeed() async throws {
            try await Scratch.with { scratch in
                let repo = try await GitRepository(at: scratch.file("repo"))
                try QuickstartBuildTests.copyQuickstart(into: repo)
                try repo.edit(
                    "quickstart/vms/hello-1.yaml", replacing: "powerState: running",
                    with: """
                        powerState: stopped
                          cloudInit: {userData: vms/hello-1.user-data.yaml}
                        """)
                try repo.write(
                    Self.userDataFile,
                    """
                    #cloud-config
                    packages: [nginx]
                    users:
                      - name: ada
                        plain_text_passwd: {fromFile: ada}

                    """)
                try await repo.commit("hello-1 gets user-data")
                let secrets = scratch.file("secrets")
                try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
                try "s3cret-9f2\n".write(toFile: secrets + "/ada", atomically: true, encoding: .utf8)
                let data = DataDirectory(path: scratch.dataDir)
                let vm = VMHost(data: data, name: "hello-1")
                let flags = ["--path", "quickstart", "--secrets-dir", secrets]
                func seed() async throws -> String {
                    let folder = try #require(vm.folder)
                    return try await ChildProcess.shell(
                        "mtype -i \(ChildProcess.quoted(folder + "/seed.img")) ::user-data")
                }

                let first = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: flags)
                #expect(first.exitCode == 0, "\(first)")
                #expect(vm.status?["status"]?.string == "powered-off", "\(String(describing: vm.status))")
                var text = try await seed()
                #expect(
                    text.hasPrefix("#cloud-config\n") && text.contains("\"nginx\"")
                        && text.contains("\"hostname\": \"hello-1\""), "\(text)")
                #expect(text.contains("\"plain_text_passwd\": \"s3cret-9f2\""), "the secret is resolved into the seed")
                let status = try String(contentsOfFile: data.statusPath("virtualmachine", "hello-1"), encoding: .utf8)
                #expect(
                    !status.contains("s3cret") && status.contains("user-data from vms/hello-1.user-data.yaml"),
                    "\(status)")
                #expect(!first.stdout.contains("s3cret") && !first.stderr.contains("s3cret"))
                let folder = try #require(vm.folder)

                // A new version of the file: the plan says the VM is made again, and sync does it.
                try repo.edit(Self.userDataFile, replacing: "[nginx]", with: "[nginx, curl]")
                try await repo.commit("curl too")
                let plan = try await KilnBinary.run([
                    "plan", "--repo", repo.path, "--data-dir", data.path, "--path", "quickstart"
                ])
                #expect(
                    plan.exitCode == 3 && plan.stdout.contains("recreate VirtualMachine/hello-1")
                        && plan.stdout.contains("cloudInit.userData vms/hello-1.user-data.yaml changed"), "\(plan)")
                let second = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: flags)
                #expect(second.exitCode == 0, "\(second)")
                text = try await seed()
                #expect(text.contains("\"curl\""), "\(text)")
                #expect(vm.folder == folder, "the same VM (uuid), made again")

                // A password in clear stops the commit: nothing of it is applied.
                try repo.edit(
                    Self.userDataFile, replacing: "plain_text_passwd: {fromFile: ada}",
                    with: "plain_text_passwd: hunter2")
                try await repo.commit("oops")
                let refused = try await KilnBinary.sync(repo: repo.path, dataDir: data.path, extra: flags)
                let said =
                    refused.stdout + refused.stderr
                    + ((try? String(contentsOfFile: data.path + "/status/sync.yaml", encoding: .utf8)) ?? "")
                #expect(refused.exitCode != 0, "\(refused)")
                #expect(
                    said.contains("\(Self.userDataFile):5:24: users[0].plain_text_passwd is a clear-text secret"),
                    "\(said)")
                #expect(!said.contains("hunter2"))
                #expect(try await seed().contains("\"curl\""), "the VM stays as the last good commit made it")
            }
        }
    }
}
