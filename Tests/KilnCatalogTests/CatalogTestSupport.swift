import Foundation
import KilnCatalog
import KilnSpec

/// A catalog in a fresh temp folder, removed by `remove()`.
struct TempCatalog {
    let folder: String
    let catalog: SQLiteCatalog

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-catalog-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        catalog = try SQLiteCatalog(path: "\(folder)/catalog.sqlite")
    }

    func reopen() throws -> SQLiteCatalog { try SQLiteCatalog(path: "\(folder)/catalog.sqlite") }

    func remove() { try? FileManager.default.removeItem(atPath: folder) }
}

enum Records {
    static let date = Date(timeIntervalSince1970: 1_700_000_000)

    static func build(_ name: String, spec: SpecValue = .object(["type": .string("qemu")])) -> BuildRecord {
        BuildRecord(name: name, spec: spec, specHash: "s", contentHash: "c", inputsHash: "i", runToken: "1",
                    revision: "r", file: "f.yaml", line: 3, createdAt: date, updatedAt: date)
    }

    static func execution(_ build: String, _ number: Int) -> ExecutionRecord {
        ExecutionRecord(buildName: build, buildNumber: number, createdBy: "Ada", revision: "r", specRoot: "",
                        spec: .object([:]), inputsHash: "i", runToken: "1", logPath: "/l/\(number).log", reason: "test",
                        createdAt: date)
    }

    static func journal(_ action: String) -> JournalEntry {
        JournalEntry(commit: "r", action: action, objectKind: "ImageBuild", objectName: "b", detail: action, startedAt: date)
    }
}
