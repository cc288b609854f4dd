import Foundation
import KilnSpec
import KilnTestSupport
import Testing

extension Reconciling {
    /// An Image from a URL, for real: the quickstart's busybox disk, built by Kiln, packed as a qcow2 inside a
    /// tar.gz and served by a local HTTP server on loopback, is downloaded, verified, inspected and converted; it
    /// becomes ACTIVE and a VM boots from it. A wrong checksum fails its Image and nothing of it is kept.
    @Suite(.tags(.qemu), .enabled(if: BootHost.canBoot, "needs qemu-system-x86_64, qemu-img, /vmlinuz and /initrd.img"))
    struct ImageURLTests {
        static let vmFlags = ["--path", "quickstart", "--vm-kernel", BootHost.kernel, "--vm-initrd", BootHost.initrd]

        @Test(.timeLimit(.minutes(10)))
        func aPackagedQcow2FromAURLBecomesActiveAndBootsAVM() async throws {
            try await Scratch.with { scratch in
                // MARK: a disk to publish: the quickstart's busybox qcow2, built by Kiln (no VM yet).
                let repo = try await GitRepository(at: scratch.file("repo"))
                try QuickstartBuildTests.copyQuickstart(into: repo)
                try FileManager.default.removeItem(atPath: repo.path + "/quickstart/vms/hello-1.yaml")
                try await repo.commit("The busybox build and its image")
                let data = DataDirectory(path: scratch.dataDir)
                let built = try await KilnBinary.sync(
                    repo: repo.path, dataDir: data.path, extra: Self.vmFlags, timeout: "6m")
                #expect(built.exitCode == 0, "\(built)")
                let qcow2 = "\(data.path)/artifacts/busybox/1/busybox-1.qcow2"

                // MARK: packed as a qcow2 inside a tar.gz, served on loopback.
                let www = scratch.file("www")
                let package = scratch.file("package")
                try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: package, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: qcow2, toPath: package + "/disk.qcow2")
                _ = try await ChildProcess.shell(
                    "tar -C \(ChildProcess.quoted(package)) -czf \(ChildProcess.quoted(www + "/busybox.tar.gz")) disk.qcow2"
                )
                let server = try RunningProcess(
                    "/usr/bin/python3", ["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", www, "0"])
                do {
                    try await Self.importAndBoot(repo: repo, data: data, server: server, www: www)
                } catch {
                    server.kill()
                    _ = await server.wait()
                    throw error
                }
                server.kill()
                _ = await server.wait()
            }
        }

        /// With the package served: Images from its URL (one right, one with a wrong checksum) and a VM on the first.
        static func importAndBoot(
            repo: GitRepository, data: DataDirectory, server: RunningProcess, www: String
        ) async throws {
            let sum = try await Checks.sha256(www + "/busybox.tar.gz")
            #expect(await server.waitForOutput { out, _ in out.contains(" port ") }, "\(server.output)")
            let port = try #require(
                server.output.stdout.split(separator: " ").drop { $0 != "port" }.dropFirst().first.map(String.init))
            let url = "http://127.0.0.1:\(port)/busybox.tar.gz"

            // MARK: an Image from the URL, a VM on it, and an Image whose checksum is wrong.
            try repo.write("quickstart/images/web.yaml", Specs.urlImage("web", url: url, checksum: "sha256:\(sum)"))
            try repo.write(
                "quickstart/images/wrong.yaml",
                Specs.urlImage("wrong", url: url, checksum: "sha256:" + String(repeating: "0", count: 64)))
            try repo.write(
                "quickstart/vms/web-1.yaml",
                """
                apiVersion: kiln.dev/v1
                kind: VirtualMachine
                metadata: {name: web-1}
                spec:
                  image: web
                  cpus: 1
                  memory: 256mib
                  ready: {consoleContains: KILN-GUEST-READY}

                """)
            let commit = try await repo.commit("Images from a URL, and a VM on one")
            let synced = try await KilnBinary.sync(
                repo: repo.path, dataDir: data.path, extra: Self.vmFlags, timeout: "6m")
            #expect(synced.exitCode != 0, "the wrong checksum keeps the sync from being all Ready: \(synced)")

            let images = try await data.objects("images")
            let web = try #require(images["web"])
            #expect(web["state"] == .string("ACTIVE"), "\(web)")
            #expect(web["path"]?.string == "\(data.path)/images/web/1.qcow2")
            let path = try #require(web["path"]?.string)
            let info = try JSONDecoder().decode(
                SpecValue.self,
                from: Data(
                    try await ChildProcess.shell(
                        "qemu-img info -U --output=json -f qcow2 \(ChildProcess.quoted(path))"
                    ).utf8))
            #expect(info["format"]?.string == "qcow2" && info["backing-filename"] == nil, "\(info)")
            #expect(try await Checks.sha256(path) == web["sha256"]?.string)
            try Checks.expectStatus(data, "image", "web", commit: commit)

            let wrong = try #require(images["wrong"])
            #expect(wrong["state"] == .string("FAILED"), "\(wrong)")
            let refusal = try data.status("image", "wrong").ready
            #expect(
                refusal?.reason == "ChecksumMismatch"
                    && refusal?.message.contains("does not match its checksum") == true,
                "\(String(describing: refusal))")
            #expect(!FileManager.default.fileExists(atPath: "\(data.path)/images/wrong/1.qcow2"))

            // MARK: the VM boots from the imported disk and its console shows what the build wrote.
            let vm = try #require(try await data.objects("vms")["web-1"])
            #expect(vm.isReady, "\(vm)")
            let id = try #require(vm["id"]?.string)
            let console = try String(contentsOfFile: "\(data.path)/vms/\(id)/console.log", encoding: .utf8)
            #expect(console.contains("KILN-GUEST-READY: hello from the kiln quickstart image"))

            // MARK: nothing outlives the test: teardown stops the VM by its recorded pid.
            let teardown = try await KilnBinary.run(["teardown", "--data-dir", data.path])
            #expect(teardown.exitCode == 0, "\(teardown)")
        }
    }
}
