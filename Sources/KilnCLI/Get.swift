import ArgumentParser
import Foundation
import KilnCatalog
import KilnReconciler
import KilnServer
import KilnSpec

/// `kiln get`: reads the catalog, from the data dir or from a running server (`--server`).
struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show builds, executions, images, VMs or the fleet's hosts from the catalog.",
        discussion: """
            kiln get executions NAME lists one build's executions; --watch follows them live (progress bars on a \
            terminal, one line per change otherwise) until interrupted.
            --server URL asks a running kiln serve instead of reading --data-dir, with the same output.
            """)

    enum What: String, ExpressibleByArgument, CaseIterable {
        case builds, executions, images, vms, hosts
    }

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, yaml
    }

    @Argument(help: "builds, executions, images, vms or hosts.")
    var what: What

    @Argument(help: "An object's name (for executions: the build's).")
    var name: String?

    @Option(name: .customLong("data-dir"), help: "Kiln's data dir.")
    var dataDir: String = "./.kiln"

    @Option(name: .shortAndLong, help: "table, json or yaml.")
    var output: Format = .table

    @OptionGroup var remote: ServerOptions

    @OptionGroup var catalogOptions: CatalogOptions

    @Flag(help: "With executions: follow them live until interrupted.")
    var watch = false

    func validate() throws {
        if what == .executions, name == nil { throw ValidationError("kiln get executions needs a build's name") }
        if watch, what != .executions {
            throw ValidationError("--watch works with executions: kiln get executions NAME --watch")
        }
        if watch, output != .table {
            throw ValidationError("--watch draws progress and takes no -o \(output.rawValue)")
        }
    }

    func run() async throws {
        if let endpoint = try remote.endpoint() {
            try await RemoteServer.with(endpoint) { server in
                if watch {
                    let feed = RemoteExecutionFeed(server: server, build: name!)
                    return try await ExecutionWatch(build: name!).run(feed.run)
                }
                show(try await RemoteDocuments(server: server).documents(what, name: name))
            }
            return
        }
        let paths = DataPaths(root: dataDir)
        guard !catalogOptions.isDataDirCatalog || FileManager.default.fileExists(atPath: paths.catalog) else {
            throw ValidationError("no catalog in \(paths.root) (run kiln sync first, or give --data-dir or --catalog)")
        }
        let catalog = try await catalogOptions.open(paths)
        if watch {
            let state = try await catalog.state(of: [.builds])
            guard state.builds[name!] != nil else { throw NotFound(what: "ImageBuild \(name!)") }
            return try await ExecutionWatch(build: name!).run(LocalExecutionFeed(catalog: catalog, build: name!).run)
        }
        if what == .hosts {
            let fleet = try await catalog.hosts()
            return show(
                try Self.hostRows(
                    FleetStatus.hostDocuments(
                        fleet, leader: try await catalog.leader(),
                        vms: Array(try await catalog.state(of: [.vms]).vms.values),
                        claims: try await catalog.claimedWork(host: nil)), name: name))
        }
        let state = try await catalog.state()
        let documents: [[(String, SpecValue)]]
        switch what {
        case .hosts:
            documents = []
        case .builds:
            documents = try select(state.builds, "ImageBuild").map { StatusDocument.build($0, state: state, notes: []) }
        case .images:
            documents = try select(state.images, "Image").map { StatusDocument.image($0, notes: []) }
        case .vms:
            documents = try select(state.vms, "VirtualMachine").map { StatusDocument.vm($0, notes: []) }
        case .executions:
            guard state.builds[name!] != nil else { throw NotFound(what: "ImageBuild \(name!)") }
            documents = (state.executions[name!] ?? []).reversed().map { e in
                guard
                    case .object(let fields) = StatusDocument.execution(
                        e, images: state.virtualImages[e.id ?? -1] ?? [])
                else { return [] }
                return fields.keys.sorted().map { ($0, fields[$0]!) }
            }
        }
        show(documents)
    }

    /// Prints documents in the chosen format (the same whether they came from the data dir or a server).
    func show(_ documents: [[(String, SpecValue)]]) {
        switch output {
        case .json:
            let values = documents.map { SpecValue.object(Dictionary(uniqueKeysWithValues: $0)) }
            Output.out((name != nil && what != .executions ? values.first ?? .null : .list(values)).prettyJSON)
        case .yaml:
            Output.out(documents.map(YAMLText.document).joined(separator: "---\n"), terminator: "")
        case .table:
            Output.out(Table.render(what, documents))
        }
    }

    func select<R>(_ records: [String: R], _ kind: String) throws -> [R] {
        if let name {
            guard let record = records[name] else { throw NotFound(what: "\(kind) \(name)") }
            return [record]
        }
        return records.keys.sorted().map { records[$0]! }
    }

    /// Host documents (as `GET /kiln/v1/hosts` lists them) as `kiln get` rows: the named one, or all.
    static func hostRows(_ hosts: [SpecValue], name: String?) throws -> [[(String, SpecValue)]] {
        let rows: [[(String, SpecValue)]] = hosts.compactMap { host in
            guard case .object(let fields) = host else { return nil }
            let order = [
                "name", "state", "leader", "address", "cpus", "memoryBytes", "diskFreeBytes", "kvm", "labels",
                "version", "vms",
                "cordoned", "cordonedInGit", "lease", "startedAt", "heartbeatAt", "heartbeatAge"
            ]
            let keys = order.filter { fields[$0] != nil } + fields.keys.filter { !order.contains($0) }.sorted()
            return keys.map { ($0, fields[$0]!) }
        }
        guard let name else { return rows }
        let one = rows.filter { $0.first?.1.string == name }
        guard !one.isEmpty else { throw NotFound(what: "host \(name)") }
        return one
    }

    struct NotFound: Error, CustomStringConvertible {
        var what: String
        var description: String { "no \(what) in the catalog" }
    }
}

/// Plain-text tables for `kiln get`.
enum Table {
    static func render(_ what: Get.What, _ documents: [[(String, SpecValue)]]) -> String {
        func field(_ d: [(String, SpecValue)], _ key: String) -> SpecValue? { d.first { $0.0 == key }?.1 }
        func text(_ v: SpecValue?) -> String {
            switch v {
            case .string(let s)?: s
            case .int(let i)?: String(i)
            case .double(let d)?: String(Int(d))
            case .bool(let b)?: b ? "true" : "false"
            default: "-"
            }
        }
        func gib(_ v: SpecValue?) -> String {
            guard case .int(let bytes)? = v else { return "-" }
            return String(format: "%.1fGiB", Double(bytes) / Double(1 << 30))
        }
        func ready(_ d: [(String, SpecValue)]) -> (String, String) {
            let condition = field(d, "conditions")?.list?.first
            return (condition?["status"]?.string == "True" ? "True" : "False", condition?["message"]?.string ?? "")
        }
        var rows: [[String]]
        switch what {
        case .builds:
            rows =
                [["NAME", "EXECUTIONS", "LAST", "STATUS", "READY", "MESSAGE"]]
                + documents.map { d in
                    let last = field(d, "lastResult")
                    let (r, m) = ready(d)
                    return [
                        text(field(d, "name")), text(field(d, "executionCount")),
                        last?["buildNumber"].map { "#\(text($0))" } ?? "-",
                        text(last?["status"]), r, m
                    ]
                }
        case .executions:
            rows =
                [["NUMBER", "STATUS", "PERCENT", "MESSAGE", "STARTED", "ENDED", "ERROR"]]
                + documents.map { d in
                    [
                        "#\(text(field(d, "buildNumber")))", text(field(d, "status")),
                        "\(text(field(d, "statusPercent")))%",
                        text(field(d, "statusMessage")), text(field(d, "startDate")), text(field(d, "endDate")),
                        text(field(d, "errorMessage"))
                    ]
                }
        case .images:
            rows =
                [["NAME", "STATE", "VERSION", "FORMAT", "READY", "MESSAGE"]]
                + documents.map { d in
                    let (r, m) = ready(d)
                    return [
                        text(field(d, "name")), text(field(d, "state")), text(field(d, "version")),
                        text(field(d, "format")), r, m
                    ]
                }
        case .hosts:
            rows =
                [
                    [
                        "NAME", "STATE", "LEADER", "ADDRESS", "CPUS", "MEMORY", "LOAD", "DISK FREE", "KVM", "VERSION",
                        "HEARTBEAT", "VMS", "BUILDS", "LABELS"
                    ]
                ]
                + documents.map { d in
                    let pairs = field(d, "labels")?.object ?? [:]
                    let labels = pairs.keys.sorted().map { key in key + "=" + (pairs[key]?.string ?? "") }.joined(
                        separator: ",")
                    return [
                        text(field(d, "name")),
                        text(field(d, "state")) + (field(d, "cordoned") == SpecValue.bool(true) ? ",Drained" : "")
                            + (field(d, "cordonedInGit") == SpecValue.bool(true) ? ",Cordoned" : ""),
                        field(d, "leader") == SpecValue.bool(true) ? "*" : "",
                        text(field(d, "address")), text(field(d, "cpus")), gib(field(d, "memoryBytes")),
                        "\(text(field(d, "load")?["cpus"])) CPUs, \(gib(field(d, "load")?["memoryBytes"]))",
                        gib(field(d, "diskFreeBytes")),
                        text(field(d, "kvm")), text(field(d, "version")), "\(text(field(d, "heartbeatAge")))s ago",
                        String(field(d, "vms")?.list?.count ?? 0), String(field(d, "builds")?.list?.count ?? 0),
                        labels.isEmpty ? "-" : labels
                    ]
                }
        case .vms:
            rows =
                [["NAME", "ID", "STATUS", "IMAGE", "CPUS", "MEMORY", "IP", "HOST", "READY"]]
                + documents.map { d in
                    [
                        text(field(d, "name")), text(field(d, "id")), text(field(d, "status")), text(field(d, "image")),
                        text(field(d, "cpus")), text(field(d, "memory")), text(field(d, "ipAddress")),
                        field(d, "host")?.string ?? "-", ready(d).0
                    ]
                }
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
