import Foundation
import KilnSpec
import KilnTestSupport

/// One execution as `kiln get executions NAME -o json` shows it.
public struct ExecutionView: Sendable, Hashable {
    public struct VirtualImage: Sendable, Hashable {
        public var name: String
        public var format: String
        public var path: String
        public var size: Int
        public var sha256: String
    }

    public var id: Int
    public var buildNumber: Int
    public var status: String
    public var revision: String
    public var createdBy: String
    public var errorMessage: String?
    public var reason: String
    public var virtualImages: [VirtualImage]

    public init(_ value: SpecValue) {
        id = value["id"]?.int ?? -1
        buildNumber = value["buildNumber"]?.int ?? -1
        status = value["status"]?.string ?? ""
        revision = value["revision"]?.string ?? ""
        createdBy = value["createdBy"]?["username"]?.string ?? ""
        errorMessage = value["errorMessage"]?.string
        reason = value["reason"]?.string ?? ""
        virtualImages = (value["virtualImages"]?.list ?? []).map { vi in
            VirtualImage(
                name: vi["name"]?.string ?? "", format: vi["format"]?.string ?? "", path: vi["path"]?.string ?? "",
                size: vi["size"]?.int ?? -1, sha256: vi["sha256"]?.string ?? "")
        }
    }

    public var isFinished: Bool { ["success", "failed", "cancelled"].contains(status) }
}

/// Kiln's data dir as a test sees it: `kiln get` answers, status files and the files on disk.
public struct DataDirectory: Sendable {
    /// Where the test reads the data dir's files.
    public let path: String
    /// The path Kiln is given (`--data-dir`), which its processes name: `path`, unless the data dir is a mount seen
    /// only inside a private mount namespace.
    public let name: String
    /// What runs `kiln` where the data dir is mounted (`nsenter` into the namespace), if not here.
    let enter: [String]

    public init(path: String) {
        self.path = path
        name = path
        enter = []
    }

    /// A data dir mounted at `path` inside the mount namespace of process `pid`: its files are read through
    /// `/proc/PID/root`, and `kiln` runs inside the namespace.
    public init(path: String, insideMountNamespaceOf pid: Int32) {
        self.path = "/proc/\(pid)/root\(path)"
        name = path
        enter = ["/usr/bin/nsenter", "--target", "\(pid)", "--mount", "--"]
    }

    /// `kiln ARGUMENTS` where the data dir is mounted.
    public func kiln(_ arguments: [String], timeout: Duration = .seconds(300)) async throws -> ProcessResult {
        guard let command = enter.first else { return try await KilnBinary.run(arguments, timeout: timeout) }
        return try await ChildProcess.run(
            command, Array(enter.dropFirst()) + [try KilnBinary.require()] + arguments,
            environment: ["NO_COLOR": "1"], timeout: timeout)
    }

    /// `kiln get WHAT [NAME] -o json`, which must succeed.
    public func get(_ what: String, _ name: String? = nil) async throws -> SpecValue {
        let result = try await kiln(
            ["get", what] + (name.map { [$0] } ?? []) + ["--data-dir", self.name, "-o", "json"])
        guard result.exitCode == 0 else { throw CommandFailure(command: "kiln get \(what)", result: result) }
        return try JSONDecoder().decode(SpecValue.self, from: Data(result.stdout.utf8))
    }

    /// A build's executions, oldest first.
    public func executions(_ build: String) async throws -> [ExecutionView] {
        try await get("executions", build).list.map { $0.map(ExecutionView.init) }?.sorted {
            $0.buildNumber < $1.buildNumber
        } ?? []
    }

    /// Objects of a kind (`builds`, `images`, `vms`) by name.
    public func objects(_ what: String) async throws -> [String: SpecValue] {
        var out: [String: SpecValue] = [:]
        for value in try await get(what).list ?? [] {
            if let name = value["name"]?.string { out[name] = value }
        }
        return out
    }

    /// `status/<kind>/<name>.yaml` (`kind`: imagebuild, image, virtualmachine).
    public func statusPath(_ kind: String, _ name: String) -> String { "\(path)/status/\(kind)/\(name).yaml" }

    public func status(_ kind: String, _ name: String) throws -> SpecValue {
        try StatusYAML.read(statusPath(kind, name))
    }

    public func statusExists(_ kind: String, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: statusPath(kind, name))
    }

    /// `status/sync.yaml`.
    public func syncStatus() throws -> SpecValue {
        try StatusYAML.read("\(path)/status/sync.yaml")
    }

    /// Every file (not folder) under `relative`, as paths relative to it, sorted.
    public func files(under relative: String) -> [String] {
        let root = "\(path)/\(relative)"
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let item = walker.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(item)", isDirectory: &isFolder), !isFolder.boolValue {
                out.append(item)
            }
        }
        return out.sorted()
    }

    /// The entries directly in `relative` (files and folders), sorted.
    public func entries(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(path)/\(relative)")) ?? []).sorted()
    }

    public func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: "\(path)/\(relative)")
    }

    /// Paths anywhere in the data dir whose name carries Kiln's temp-file marker (left by a crash if never swept).
    public func tempLeftovers() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return [] }
        var out: [String] = []
        while let item = walker.nextObject() as? String {
            if (item as NSString).lastPathComponent.contains(".kiln-tmp-") { out.append(item) }
        }
        return out.sorted()
    }
}

extension SpecValue {
    /// The `Ready` condition's status ("True"/"False"), reason and message of a status document.
    public var ready: (status: String, reason: String, message: String)? {
        guard let condition = self["conditions"]?.list?.first(where: { $0["type"]?.string == "Ready" }) else {
            return nil
        }
        return (
            condition["status"]?.string ?? "", condition["reason"]?.string ?? "", condition["message"]?.string ?? ""
        )
    }

    /// Whether the status document says Ready: True.
    public var isReady: Bool { ready?.status == "True" }

    /// The condition types present (`Ready`, and `Reconciling`/`Stalled` only while true).
    public var conditionTypes: [String] { (self["conditions"]?.list ?? []).compactMap { $0["type"]?.string } }
}
