import ArgumentParser
import Foundation
import KilnBuilder
import KilnCatalog
import KilnReconciler
import KilnSpec

/// `kiln logs BUILD [N] [--follow]`: an execution's log, from the data dir or from a running server, secrets masked.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print an execution's log (the newest execution's when no number is given).",
        discussion: "--follow keeps printing as the log grows and ends when the execution does.")

    @Argument(help: "The ImageBuild's name.")
    var build: String

    @Argument(help: "The execution's build number (default: the newest).")
    var number: Int?

    @Flag(name: .shortAndLong, help: "Print the log as it grows, until the execution ends.")
    var follow = false

    @Option(name: .customLong("data-dir"), help: "Kiln's data dir.")
    var dataDir: String = "./.kiln"

    @Option(
        name: .customLong("secrets-dir"),
        help: "Where secret files are (to mask their values); default: DATA-DIR/secrets.")
    var secretsDir: String?

    @OptionGroup var remote: ServerOptions

    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        if let number, number < 1 { throw ValidationError("the execution number must be 1 or more (got \(number))") }
    }

    func run() async throws {
        if let endpoint = try remote.endpoint() {
            try await RemoteServer.with(endpoint) { server in try await remoteLog(server) }
            return
        }
        let paths = DataPaths(root: dataDir)
        guard !catalogOptions.isDataDirCatalog || FileManager.default.fileExists(atPath: paths.catalog) else {
            throw ValidationError("no catalog in \(paths.root) (run kiln sync first, or give --data-dir or --catalog)")
        }
        let catalog = try await catalogOptions.open(paths)
        let state = try await catalog.state(of: [.builds, .executions])
        guard let record = state.builds[build] else { throw Get.NotFound(what: "ImageBuild \(build)") }
        let executions = state.executions[build] ?? []
        guard let execution = number.map({ n in executions.first { $0.buildNumber == n } }) ?? executions.last else {
            throw LogError(
                description: number.map { "ImageBuild \(build) has no execution #\($0)" }
                    ?? "ImageBuild \(build) has no execution yet")
        }
        if !FileManager.default.fileExists(atPath: execution.logPath),
            let owner = try? await catalog.hosts().owner(of: execution.logPath),
            !FleetHosts.path(execution.logPath, isInside: paths.root)
        {
            // A fleet's build ran on another host, whose data dir holds its log.
            throw LogError(
                description:
                    "the log of execution #\(execution.buildNumber) of \(build) is on host \(owner.name), which ran it: read it through a server, `kiln logs \(build) \(execution.buildNumber) --server \(owner.address)` (or any replica's address)"
            )
        }
        let resolver = SecretResolver(secretsDirectory: secretsDir ?? paths.secrets)
        let redactor = Redactor(secrets: record.typed.secretReferences.compactMap { try? resolver.resolve($0) })
        try await LogReader(catalog: catalog, execution: execution, redactor: redactor).run(follow: follow)
    }

    /// Streams the log from the server's Morpheus log route (`?follow=true` to follow), as it arrives.
    func remoteLog(_ server: RemoteServer) async throws {
        let segment = RemoteServer.segment(build)
        var number = self.number
        if number == nil {
            let document = try await server.json("/kiln/v1/status/imagebuild/\(segment)")
            guard let newest = document["lastResult"]?["buildNumber"]?.int else {
                throw LogError(description: "ImageBuild \(build) has no execution yet")
            }
            number = newest
        }
        let path = "/api/image-builds/\(segment)/executions/\(number!)/log" + (follow ? "?follow=true" : "")
        let response = try await server.open(path, accept: "text/plain")
        for try await chunk in response.body {
            FileHandle.standardOutput.write(Data(chunk.readableBytesView))
        }
    }

    struct LogError: Error, CustomStringConvertible {
        var description: String
    }
}
