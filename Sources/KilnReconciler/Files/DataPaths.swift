import Foundation
import KilnSpec

/// Where Kiln keeps things under its data dir (`--data-dir`, default `./.kiln`).
public struct DataPaths: Sendable, Hashable {
    public var root: String

    public init(root: String) {
        self.root = root.hasPrefix("/") ? root : FileManager.default.currentDirectoryPath + "/" + root
        while self.root.count > 1 && self.root.hasSuffix("/") { self.root.removeLast() }
    }

    public var catalog: String { "\(root)/catalog.sqlite" }
    public var lock: String { "\(root)/lock" }
    public var status: String { "\(root)/status" }
    public var syncStatus: String { "\(root)/status/sync.yaml" }
    public var artifacts: String { "\(root)/artifacts" }
    public var logs: String { "\(root)/logs" }
    public var work: String { "\(root)/work" }
    public var downloads: String { "\(root)/cache/downloads" }
    public var vms: String { "\(root)/vms" }
    public var tombstones: String { "\(root)/tombstones" }
    public var mirrors: String { "\(root)/mirrors" }
    public var tmp: String { "\(root)/tmp" }
    public var secrets: String { "\(root)/secrets" }

    public func status(_ key: ObjectKey) -> String { "\(status)/\(key.kind.slug)/\(key.name).yaml" }
    public func artifacts(build: String) -> String { "\(artifacts)/\(build)" }
    public func artifacts(build: String, number: Int) -> String { "\(artifacts)/\(build)/\(number)" }
    public func logs(build: String) -> String { "\(logs)/\(build)" }
    public func log(build: String, number: Int) -> String { "\(logs)/\(build)/\(number).log" }
    public func work(execution: Int64) -> String { "\(work)/execution-\(execution)" }
    public func vm(uuid: String) -> String { "\(vms)/\(uuid)" }

    /// Creates the folders Kiln writes to.
    public func prepare() throws {
        for folder in [root, status, artifacts, logs, work, downloads, vms, tombstones, mirrors, tmp] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for kind in Kind.allCases {
            try FileManager.default.createDirectory(atPath: "\(status)/\(kind.slug)", withIntermediateDirectories: true)
        }
    }
}
