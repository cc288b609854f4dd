import Foundation
import KilnSpec

/// Where Kiln keeps things under its data dir (`--data-dir`, default `./.kiln`).
public struct DataPaths: Sendable, Hashable {
    public var root: String

    /// The root is made absolute and canonical (no `.` or `..`, symlinks resolved when it exists), because the
    /// inventory compares paths as strings: `./.kiln`, `.kiln` and `/work/.kiln` must all be the same data dir.
    public init(root: String) {
        let absolute = URL(
            fileURLWithPath: root, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        )
        .standardizedFileURL.path
        if let resolved = realpath(absolute, nil) {
            self.root = String(cString: resolved)
            free(resolved)
        } else {
            self.root = absolute
        }
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
    /// The host-only network's dnsmasq: pidfile, leases, log.
    public var network: String { "\(root)/network" }
    /// Images Kiln imported (URL sources, snapshots): `images/<name>/<version>.qcow2`.
    public var images: String { "\(root)/images" }
    public func images(name: String) -> String { "\(images)/\(name)" }
    public func image(name: String, version: Int) -> String { "\(images)/\(name)/\(version).qcow2" }
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
    /// The lock a build worker holds while it runs an execution.
    public func workerLock(execution: Int64) -> String { "\(work)/execution-\(execution).lock" }
    /// Where a build worker's own stdout and stderr go.
    public func workerOutput(execution: Int64) -> String { "\(work)/execution-\(execution).out" }

    /// Removes what a build worker leaves in the work folder (its scratch folder, lock and output), once nothing runs
    /// the execution: Kiln's own temporary files, outside the inventory.
    public func removeWorkerFiles(execution: Int64) {
        for path in [work(execution: execution), workerLock(execution: execution), workerOutput(execution: execution)] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
    public func vm(uuid: String) -> String { "\(vms)/\(uuid)" }

    /// Creates the folders Kiln writes to.
    public func prepare() throws {
        for folder in [root, status, artifacts, logs, work, downloads, vms, images, tombstones, mirrors, tmp] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for kind in Kind.allCases {
            try FileManager.default.createDirectory(atPath: "\(status)/\(kind.slug)", withIntermediateDirectories: true)
        }
    }
}
