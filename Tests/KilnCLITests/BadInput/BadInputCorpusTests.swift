import Foundation
import KilnTestSupport
import Testing

extension Reconciling {
    /// The bad-input corpus (`Tests/Fixtures/bad/`, tabled in its README): every case goes through the real `kiln`
    /// binary or the real `kiln serve`, and must be refused with an answer that contains its `# expect:` text (which
    /// names the file, field or parameter at fault), without a crash.
    ///
    /// - yaml, spec, url: the input is a spec folder; `kiln validate` exits 1.
    /// - catalog: the input is a `--catalog` URL; `kiln get builds` refuses it before it connects anywhere.
    /// - git: the script makes a commit in a new repository; `kiln sync` refuses to apply it.
    /// - archive: the script makes a root-filesystem archive, committed under `rootfs/` and named by an ImageBuild's
    ///   `source.path`; `kiln sync --wait` runs the build, and its status or execution log says what was refused.
    /// - image: the script makes a disk or package, served on loopback and named by an Image's `source.url`.
    /// - http: the request goes byte for byte to one `kiln serve`; the status is the one expected, the body names
    ///   the problem, and the server still answers afterwards.
    @Suite(.tags(.binary, .slow))
    struct BadInputCorpusTests {
        static let root = KilnBinary.packageRoot + "/Tests/Fixtures/bad"
        static let secret = "corpus-webhook-secret"

        @Test(.timeLimit(.minutes(30)))
        func everyBadInputIsRefusedNamingWhatIsWrong() async throws {
            let cases = try BadInputCase.all(in: Self.root)
            #expect(cases.count >= 60, "the corpus holds \(cases.count) cases")
            let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
            for item in cases {
                #expect(readme.contains("| `\(item.id)` |"), "README.md does not table \(item.id)")
            }
            try await Scratch.with { scratch in
                var server: RunningProcess?
                var serve: ServeProcess?
                // On an early exit (a thrown error), whatever still runs is ended by its pid.
                defer {
                    server?.kill()
                    serve?.process.kill()
                }
                // KILN_CORPUS_ONLY=http (a folder, or group/file) runs part of the corpus while working on it.
                let only = ProcessInfo.processInfo.environment["KILN_CORPUS_ONLY"] ?? ""
                for item in cases where only.isEmpty || item.group == only || item.id == only {
                    let work = scratch.file("\(item.group)-\(item.name)")
                    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
                    let answer: Answer
                    switch item.group {
                    case "yaml", "spec", "url":
                        answer = try await Self.validate(item, in: work)
                    case "catalog":
                        answer = try await Self.catalog(item, in: work)
                    case "git":
                        answer = try await Self.sync(item, in: work)
                    case "archive":
                        answer = try await Self.build(item, in: work)
                    case "image":
                        if server == nil { server = try await Self.startFileServer(www: scratch.file("www")) }
                        answer = try await Self.importImage(item, in: work, www: scratch.file("www"), server: server!)
                    case "http":
                        if serve == nil { serve = try await Self.startServe(in: scratch) }
                        answer = Self.request(item, serve: serve!)
                    default:
                        Issue.record("\(item.id): no runner for the folder \(item.group)")
                        continue
                    }
                    #expect(answer.refused, "\(item.id) (\(item.description)) was accepted:\n\(answer.text)")
                    // An http case's expect is a status, then text of the body.
                    let needle =
                        item.group == "http"
                        ? String(item.expect.drop { $0.isNumber }).trimmingCharacters(in: .whitespaces) : item.expect
                    #expect(
                        needle.isEmpty || answer.text.contains(needle),
                        "\(item.id) (\(item.description)): expected \(item.expect.debugDescription) in:\n\(answer.text)"
                    )
                    #expect(!answer.crashed, "\(item.id) crashed:\n\(answer.text)")
                    if let secret = item.never {
                        #expect(
                            !answer.text.contains(secret),
                            "\(item.id) repeats \(secret.debugDescription):\n\(answer.text)")
                    }
                }
                if let running = serve {
                    // The server outlived every bad request.
                    let health = try await running.request("/healthz")
                    #expect(health.status == 200, "kiln serve after the corpus: \(health)")
                    // Forgotten before it is reaped, so that the deferred kill never signals a reused pid.
                    serve = nil
                    await running.stop()
                }
                if let running = server {
                    server = nil
                    running.kill()
                    _ = await running.wait()
                }
            }
        }

        /// What Kiln answered: whether it refused the input, whether it crashed, and the text to search.
        struct Answer {
            var refused: Bool
            var crashed: Bool
            var text: String

            init(_ result: ProcessResult, refused: Bool? = nil, extra: String = "") {
                self.refused = refused ?? (result.exitCode != 0)
                crashed = result.signalled || result.stderr.contains("Fatal error")
                text =
                    "exit \(result.exitCode)\(result.signalled ? " (signal)" : "")\n\(result.stdout)\n\(result.stderr)\(extra)"
            }

            init(status: Int, response: String, expected: Int) {
                refused = status == expected
                crashed = status == 0 || status >= 500
                text = response
            }
        }

        /// Writes the case's input into `folder`: the file itself, or what its script makes there.
        static func materialize(
            _ item: BadInputCase, into folder: String, as fileName: String? = nil,
            environment: [String: String] = [:]
        ) async throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if item.isScript {
                let result = try await ChildProcess.run(
                    "/usr/bin/env", [item.interpreter, item.file], directory: folder,
                    environment: environment, timeout: .seconds(600))
                guard result.exitCode == 0, !result.signalled else {
                    throw CommandFailure(command: "\(item.interpreter) \(item.file)", result: result)
                }
            } else {
                try item.bytes.write(
                    to: URL(fileURLWithPath: "\(folder)/\(fileName ?? (item.file as NSString).lastPathComponent)"))
            }
        }

        static func validate(_ item: BadInputCase, in work: String) async throws -> Answer {
            try await materialize(item, into: work + "/specs")
            // The script the spec cases name, so that each reports only its own mistake.
            if !FileManager.default.fileExists(atPath: work + "/specs/setup.sh") {
                try "#!/bin/sh\ntrue\n".write(toFile: work + "/specs/setup.sh", atomically: true, encoding: .utf8)
            }
            return Answer(try await KilnBinary.run(["validate", "--repo", work + "/specs"], timeout: .seconds(600)))
        }

        /// The case's first line after its header is the `--catalog` URL.
        static func catalog(_ item: BadInputCase, in work: String) async throws -> Answer {
            let url = String(decoding: item.bytes, as: UTF8.self).split(separator: "\n").first { !$0.hasPrefix("#") }
            guard let url else {
                throw BadInputCase.Malformed(description: "\(item.file) holds no URL after its header")
            }
            return Answer(
                try await KilnBinary.run(
                    ["get", "builds", "--data-dir", work + "/data", "--catalog", String(url)],
                    timeout: .seconds(600)))
        }

        static func gitEnvironment(_ home: String) -> [String: String] {
            [
                "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "HOME": home, "TZ": "UTC",
                "GIT_AUTHOR_NAME": "Kiln Tests", "GIT_AUTHOR_EMAIL": "tests@example.org",
                "GIT_COMMITTER_NAME": "Kiln Tests", "GIT_COMMITTER_EMAIL": "tests@example.org",
                "GIT_AUTHOR_DATE": "1750000000 +0000", "GIT_COMMITTER_DATE": "1750000000 +0000"
            ]
        }

        static func sync(_ item: BadInputCase, in work: String) async throws -> Answer {
            let repo = try await GitRepository(at: work + "/repo")
            try await materialize(item, into: repo.path, environment: gitEnvironment(work))
            return Answer(try await KilnBinary.sync(repo: repo.path, dataDir: work + "/data", wait: false))
        }

        /// The text of every execution log under a data dir.
        static func logs(under dataDir: String) -> String {
            var text = ""
            let walker = FileManager.default.enumerator(atPath: dataDir)
            while let item = walker?.nextObject() as? String {
                if item.hasSuffix(".log"), let data = FileManager.default.contents(atPath: "\(dataDir)/\(item)") {
                    text += "\n--- \(item)\n" + String(decoding: data, as: UTF8.self)
                }
            }
            return text
        }

        static func build(_ item: BadInputCase, in work: String) async throws -> Answer {
            let made = work + "/made"
            try await materialize(item, into: made)
            let archives = try FileManager.default.contentsOfDirectory(atPath: made)
            guard archives.count == 1, let archive = archives.first else {
                throw BadInputCase.Malformed(description: "\(item.file) made \(archives), not one archive")
            }
            let repo = try await GitRepository(at: work + "/repo")
            try FileManager.default.createDirectory(atPath: repo.path + "/rootfs", withIntermediateDirectories: true)
            try FileManager.default.moveItem(atPath: "\(made)/\(archive)", toPath: "\(repo.path)/rootfs/\(archive)")
            try repo.write(
                "build.yaml",
                """
                apiVersion: kiln.dev/v1
                kind: ImageBuild
                metadata: {name: web}
                spec:
                  type: qemu
                  source: {path: rootfs/\(archive)}
                  disk: {size: 16mib}

                """)
            try await repo.commit("a root filesystem archive: \(item.description)")
            let result = try await KilnBinary.sync(repo: repo.path, dataDir: work + "/data", timeout: "8m")
            // A dropped entry is not a failure: the build goes on without it and its log says so.
            let dropped = item.expect.hasSuffix("dropped")
            return Answer(result, refused: dropped ? result.exitCode == 0 : nil, extra: logs(under: work + "/data"))
        }

        static func startFileServer(www: String) async throws -> RunningProcess {
            try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
            let server = try RunningProcess(
                "/usr/bin/env",
                [
                    "python3", "-u", "-m", "http.server", "--bind", "127.0.0.1",
                    "--directory", www, "0"
                ])
            guard await server.waitForOutput({ out, _ in out.contains(" port ") }) else {
                server.kill()
                throw CommandFailure(command: server.command, result: await server.wait())
            }
            return server
        }

        static func importImage(
            _ item: BadInputCase, in work: String, www: String, server: RunningProcess
        ) async throws -> Answer {
            let folder = "\(www)/\(item.name)"
            try await materialize(item, into: folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder)
            guard files.count == 1, let file = files.first else {
                throw BadInputCase.Malformed(description: "\(item.file) made \(files), not one file")
            }
            let port =
                server.output.stdout.split(separator: " ").drop { $0 != "port" }.dropFirst().first.map(String.init)
                ?? "0"
            let sum = try await Checks.sha256("\(folder)/\(file)")
            let repo = try await GitRepository(at: work + "/repo")
            try repo.write(
                "image.yaml",
                """
                apiVersion: kiln.dev/v1
                kind: Image
                metadata: {name: imported}
                spec:
                  osType: linux
                  hypervisor: false
                  supportsVirtualMachine: true
                  source: {url: "http://127.0.0.1:\(port)/\(item.name)/\(file)", checksum: "sha256:\(sum)"}

                """)
            try await repo.commit("an image from a URL: \(item.description)")
            let result = try await KilnBinary.sync(repo: repo.path, dataDir: work + "/data", timeout: "8m")
            return Answer(result, extra: logs(under: work + "/data"))
        }

        static func startServe(in scratch: Scratch) async throws -> ServeProcess {
            let repo = try await GitRepository(at: scratch.file("serve-repo"))
            try repo.write("image.yaml", Specs.catalogImage("web"))
            try await repo.commit("one image")
            try Self.secret.write(toFile: scratch.file("webhook-secret"), atomically: true, encoding: .utf8)
            return try await ServeProcess.start(
                repo: repo.path, dataDir: scratch.file("serve-data"),
                extra: ["--webhook-secret-file", scratch.file("webhook-secret")])
        }

        static func request(_ item: BadInputCase, serve: ServeProcess) -> Answer {
            let text = String(decoding: item.bytes, as: UTF8.self)
            let template = text.split(separator: "\n", omittingEmptySubsequences: false)
                .drop { $0.hasPrefix("#") }.joined(separator: "\n")
            let port = Int(serve.url.split(separator: ":").last ?? "") ?? 0
            let (status, response) = RawHTTPRequest(template: template, secret: secret).send(port: port)
            let expected = Int(item.expect.prefix { $0.isNumber }) ?? -1
            return Answer(status: status, response: response, expected: expected)
        }
    }
}
