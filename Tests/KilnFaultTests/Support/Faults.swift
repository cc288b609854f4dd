import Foundation
import GRDB
import KilnEndToEnd
import KilnSpec
import KilnTestSupport
import Testing

/// The fault suites: each breaks Kiln on purpose (SIGKILL, a power cut, a full disk, a damaged or old catalog, a
/// second Kiln, a failing remote) and then checks that recovery lost and duplicated nothing. They run one at a time,
/// so that their kill points do not depend on each other.
@Suite(.serialized, .tags(.binary, .slow))
enum Faults {}

/// What "nothing lost or duplicated" means for a data dir once Kiln has recovered, beyond ``Convergence``: no process
/// of the data dir left (build workers, scripts, qemu) but the qemu of each VM the catalog records as running, no temp
/// file, a catalog that SQLite finds whole, and status files that
/// say what the catalog says.
enum Recovery {
    /// Runs `body` on a copy of the data dir's catalog (with its WAL), so that reading it never writes to the data dir.
    static func withCatalogCopy<T>(_ data: DataDirectory, _ body: (Database) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: "\(data.path)/catalog.sqlite\(suffix)")
        {
            try FileManager.default.copyItem(
                atPath: "\(data.path)/catalog.sqlite\(suffix)", toPath: folder.path + "/catalog.sqlite\(suffix)")
        }
        let queue = try DatabaseQueue(path: folder.path + "/catalog.sqlite")
        defer { try? queue.close() }
        return try queue.read(body)
    }

    /// `PRAGMA integrity_check` of the data dir's catalog.
    static func integrity(_ data: DataDirectory) throws -> String {
        try withCatalogCopy(data) { db in
            try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
        }
    }

    /// Every row of every table of the catalog, as text: what "the catalog did not change" compares (its file's
    /// bytes may change when SQLite merely checkpoints its WAL).
    static func contents(_ data: DataDirectory) throws -> String {
        try withCatalogCopy(data) { db in
            var out: [String] = []
            for table in try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            {
                out.append("== \(table)")
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") { out.append(row.description) }
            }
            return out.joined(separator: "\n")
        }
    }

    /// Checks everything above; each problem is an issue naming `context` (the seed, the kill point).
    static func check(
        _ data: DataDirectory, context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        // The one kind of process that may outlive a pass: the qemu of a VM the catalog records as running.
        let vms = Set(
            try withCatalogCopy(data) { db in try Int32.fetchAll(db, sql: "SELECT pid FROM vm WHERE pid IS NOT NULL") })
        let processes = ProcessSweep.pids(mentioning: data.name).filter { pid in
            !(vms.contains(pid) && Processes.command(pid).hasPrefix("qemu-system"))
        }
        #expect(
            processes.isEmpty,
            "\(context): processes of the data dir left: \(processes.map { "\($0) \(Processes.commandLine($0))" })",
            sourceLocation: sourceLocation)
        #expect(
            data.tempLeftovers().isEmpty, "\(context): temp files left: \(data.tempLeftovers())",
            sourceLocation: sourceLocation)
        #expect(
            try integrity(data) == "ok", "\(context): the catalog's integrity check failed",
            sourceLocation: sourceLocation)
        try await statusMatchesCatalog(data, context: context, sourceLocation: sourceLocation)
        for (build, _) in try await data.objects("builds") {
            let numbers = try await data.executions(build).map(\.buildNumber)
            #expect(
                Set(numbers).count == numbers.count && zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 },
                "\(context): build numbers of \(build) are duplicated or have a gap: \(numbers)",
                sourceLocation: sourceLocation)
        }
    }

    /// Every object the catalog holds has a status file that says what the catalog says (the revision and spec
    /// hash it observed, its conditions with their messages); no status file is left for an object the catalog does not
    /// hold.
    static func statusMatchesCatalog(
        _ data: DataDirectory, context: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        for (what, kind) in [("builds", "imagebuild"), ("images", "image"), ("vms", "virtualmachine")] {
            let objects = try await data.objects(what)
            for (name, catalog) in objects.sorted(by: { $0.key < $1.key }) {
                guard data.statusExists(kind, name) else {
                    Issue.record("\(context): no status file for \(kind)/\(name)", sourceLocation: sourceLocation)
                    continue
                }
                let file = try data.status(kind, name)
                for field in ["observedRevision", "observedSpecHash", "conditions"] {
                    #expect(
                        file[field] == catalog[field],
                        "\(context): \(kind)/\(name)'s \(field) is \(String(describing: file[field])) in its status file but \(String(describing: catalog[field])) in the catalog",
                        sourceLocation: sourceLocation)
                }
            }
            let files = data.entries("status/\(kind)").filter { !$0.hasPrefix(".") }.map {
                String($0.dropLast(".yaml".count))
            }
            #expect(
                Set(files).isSubset(of: Set(objects.keys)),
                "\(context): status files of \(kind) for objects the catalog does not hold: \(Set(files).subtracting(objects.keys).sorted())",
                sourceLocation: sourceLocation)
        }
    }
}

/// The processes of this host, read from /proc.
enum Processes {
    /// The process's name (`comm`), e.g. `qemu-system-x86`; empty when it is gone.
    static func command(_ pid: Int32) -> String {
        ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// The process's command line, arguments separated by spaces; empty when it is gone.
    static func commandLine(_ pid: Int32) -> String {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The parent's pid; nil when the process is gone.
    static func parent(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Live processes that descend from `ancestor` and whose command line `matches`.
    static func descendants(of ancestor: Int32, where matches: (String) -> Bool) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard matches(Self.commandLine(pid)), !ProcessSweep.isZombie(pid) else { return false }
            var current = pid
            for _ in 0..<64 {
                guard let up = parent(current), up > 1 else { return false }
                if up == ancestor { return true }
                current = up
            }
            return false
        }
    }

    /// Whether `pid` is alive (not gone, not a zombie).
    static func alive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 && !ProcessSweep.isZombie(pid)
    }
}
