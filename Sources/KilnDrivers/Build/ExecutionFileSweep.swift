import Foundation
import KilnCatalog
import KilnReconciler

/// A fleet host's build files that are no execution's any more: each host removes them from its own data dir, since
/// the leader that prunes or deletes an execution sees only its own host's files, and an attempt that died with its
/// host (a reboot, a SIGKILL of its process group) left its files behind.
///
/// A file of execution #N of build B (`artifacts/B/N`, `logs/B/N.log`, `work/execution-ID`) is a leftover when:
/// - the catalog has no execution #N of B (pruned, or deleted) and no tombstone of ImageBuild B (which could bring it
///   back, files and all, while its grace lasts); or
/// - the execution ran, or runs, on another host: its log is in another data dir (the last attempt to start writes
///   its own log path, under its claim), and no worker of this host holds it; or, for its work folder only, it
///   ended.
///
/// The files are listed before the catalog is read: an execution is recorded before its files are made, and the
/// attempt that runs it records its log path (under its claim) before it makes any, so every file listed has its row,
/// as it stands, in the read that follows. Whether a worker of this host holds an execution is asked last.
///
/// Never touched: a folder a build output of the catalog still lies in (outputs reused by a later execution point into
/// an earlier one's folder), anything not named as Kiln names them, and a file younger than ``grace`` (none by
/// default: the order above is what makes a sweep safe).
public struct ExecutionFileSweep: Sendable {
    public let paths: DataPaths
    public var grace: TimeInterval = 0

    public init(paths: DataPaths) {
        self.paths = paths
    }

    /// One of this data dir's build files, as found on disk.
    public struct File: Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// `artifacts/BUILD/N` or `logs/BUILD/N.log`.
            case output(build: String, number: Int)
            /// `work/execution-ID`.
            case work(execution: Int64)
        }

        public var path: String
        public var kind: Kind
        public var modified: Date

        public init(path: String, kind: Kind, modified: Date) {
            self.path = path
            self.kind = kind
            self.modified = modified
        }
    }

    public typealias Leftover = SweepLeftover

    /// The leftovers among `files`, given the catalog's executions, build outputs and tombstones, the executions a
    /// worker of this host holds (`running`, by id), as of `now`.
    public func leftovers(_ files: [File], state: CatalogState, running: Set<Int64>, now: Date) -> [Leftover] {
        let executions = state.executions.values.joined()
        let byNumber = Dictionary(
            executions.map { ("\($0.buildName)/\($0.buildNumber)", $0) }, uniquingKeysWith: { a, _ in a })
        let byID = Dictionary(executions.compactMap { e in e.id.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
        let buried = Set(
            state.tombstones.filter { $0.objectKind == "ImageBuild" }.map(\.objectName))
        let outputs = state.virtualImages.values.joined().map(\.path)
        let mine = paths.root + "/"
        func elsewhere(_ execution: ExecutionRecord) -> Bool {
            !execution.logPath.isEmpty && !execution.logPath.hasPrefix(mine)
        }
        return files.compactMap { file -> Leftover? in
            guard now.timeIntervalSince(file.modified) >= grace else { return nil }
            switch file.kind {
            case .output(let build, let number):
                if outputs.contains(where: { $0.hasPrefix(file.path + "/") }) { return nil }
                guard let execution = byNumber["\(build)/\(number)"] else {
                    if buried.contains(build) { return nil }
                    return Leftover(
                        path: file.path, why: "execution #\(number) of \(build) is no longer in the catalog")
                }
                guard elsewhere(execution), !running.contains(execution.id ?? -1) else { return nil }
                return Leftover(
                    path: file.path,
                    why: "execution #\(number) of \(build) ran on another host (its log is \(execution.logPath))")
            case .work(let id):
                guard !running.contains(id) else { return nil }
                guard let execution = byID[id] else {
                    return Leftover(path: file.path, why: "execution \(id) is no longer in the catalog")
                }
                if execution.status.isFinished {
                    return Leftover(
                        path: file.path,
                        why: "execution #\(execution.buildNumber) of \(execution.buildName) ended")
                }
                guard elsewhere(execution) else { return nil }
                return Leftover(
                    path: file.path,
                    why:
                        "execution #\(execution.buildNumber) of \(execution.buildName) runs on another host (its log is \(execution.logPath))"
                )
            }
        }
    }

    /// This data dir's build files, as Kiln names them.
    public func files() -> [File] {
        let manager = FileManager.default
        func modified(_ path: String) -> Date? {
            (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        }
        func entries(_ folder: String) -> [String] {
            ((try? manager.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        }
        var found: [File] = []
        for build in entries(paths.artifacts) {
            for entry in entries(paths.artifacts(build: build)) {
                guard let number = Int(entry), number > 0 else { continue }
                let path = paths.artifacts(build: build, number: number)
                guard let date = modified(path) else { continue }
                found.append(File(path: path, kind: .output(build: build, number: number), modified: date))
            }
        }
        for build in entries(paths.logs) {
            for entry in entries(paths.logs(build: build)) where entry.hasSuffix(".log") {
                guard let number = Int(entry.dropLast(4)), number > 0 else { continue }
                let path = paths.log(build: build, number: number)
                guard let date = modified(path) else { continue }
                found.append(File(path: path, kind: .output(build: build, number: number), modified: date))
            }
        }
        for entry in entries(paths.work) where entry.hasPrefix("execution-") {
            guard let id = Int64(entry.dropFirst("execution-".count)), let date = modified(paths.work(execution: id))
            else { continue }
            found.append(File(path: paths.work(execution: id), kind: .work(execution: id), modified: date))
        }
        return found
    }

    /// Lists this data dir's build files, reads the catalog, then removes the leftovers; returns what it removed, and
    /// why.
    public func run(catalog: any Catalog, now: Date = Date()) async throws -> [Leftover] {
        let files = files()
        let state = try await catalog.state(of: [.executions, .virtualImages, .tombstones])
        var candidates = Set(state.executions.values.joined().compactMap(\.id))
        for file in files { if case .work(let id) = file.kind { candidates.insert(id) } }
        let running = candidates.filter { ExecutionLock.isHeld(paths, $0) }
        var removed: [Leftover] = []
        for leftover in leftovers(files, state: state, running: running, now: now) {
            if (try? FileManager.default.removeItem(atPath: leftover.path)) != nil { removed.append(leftover) }
        }
        return removed
    }
}
