import ArgumentParser
import Foundation
import GRDB
import KilnCatalog
import KilnSpec

/// `kiln-bench catalog`: what one `Codable` declaration per record costs against the hand-written row coding it
/// replaced, in the same run on the same rows — reading every build, image and VM (what each reconcile pass does)
/// and encoding them — beside the `sqlite3` CLI selecting the same rows.
struct CatalogBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract:
            "Time record decoding and encoding: Codable records against hand-written row coding, same rows, same run.")

    @Option(help: "Objects in all: a third builds, a third images, a third VMs.")
    var objects: Int = 10_000

    @Option(help: "Runs of each measurement; the median is reported.")
    var runs: Int = 15

    static let quickArguments = ["--objects", "999", "--runs", "3"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let perKind = objects / 3
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-catalog-\(getpid())")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let catalog = try SQLiteCatalog(path: "\(folder)/catalog.sqlite")
        let (builds, images, vms) = Self.records(perKind)
        try await catalog.saveRecords(builds: builds, images: images, vms: vms)
        let queue = try DatabaseQueue(path: "\(folder)/catalog.sqlite")

        var codableRead = Measurement()
        var legacyRead = Measurement()
        var codableWrite = Measurement()
        var legacyWrite = Measurement()
        var count = 0
        for _ in 0..<runs {
            let (n, codable) = try await queue.read { db in
                let start = ContinuousClock.now
                let n =
                    try Array(BuildRecord.fetchCursor(db)).count + Array(ImageRecord.fetchCursor(db)).count
                    + Array(VMRecord.fetchCursor(db)).count
                return (n, ContinuousClock.now - start)
            }
            count = n
            codableRead.samples.append(codable)
            legacyRead.samples.append(
                try await queue.read { db in
                    let start = ContinuousClock.now
                    _ =
                        try Array(Row.fetchCursor(db, sql: "SELECT * FROM image_build").map(LegacyRowCoding.build))
                        .count
                        + Array(Row.fetchCursor(db, sql: "SELECT * FROM image").map(LegacyRowCoding.image)).count
                        + Array(Row.fetchCursor(db, sql: "SELECT * FROM vm").map(LegacyRowCoding.vm)).count
                    return ContinuousClock.now - start
                })
            try codableWrite.time {
                for b in builds { _ = try b.databaseDictionary }
                for i in images { _ = try i.databaseDictionary }
                for v in vms { _ = try v.databaseDictionary }
            }
            try legacyWrite.time {
                for b in builds { _ = try LegacyRowCoding.Build(record: b).databaseDictionary }
                for i in images { _ = try LegacyRowCoding.Image(record: i).databaseDictionary }
                for v in vms { _ = try LegacyRowCoding.VM(record: v).databaseDictionary }
            }
        }
        var sqlite = Measurement()
        for _ in 0..<min(runs, 5) {
            try sqlite.time {
                try Shell.run([
                    "sqlite3", "\(folder)/catalog.sqlite",
                    "SELECT * FROM image_build; SELECT * FROM image; SELECT * FROM vm;"
                ])
            }
        }
        print("rows: \(count) (\(perKind) builds, images and VMs), \(runs) runs")
        func reference(_ name: String, _ m: Measurement) -> Figure.Reference {
            .init(name: name, value: m.milliseconds, runs: m.runs)
        }
        return [
            Figure(
                "catalog", "read \(count) records (Codable)", unit: .milliseconds, kiln: codableRead.milliseconds,
                runs: codableRead.runs, reference: reference("the hand-written row coding Codable replaced", legacyRead)
            ),
            Figure(
                "catalog", "encode \(count) records (Codable)", unit: .milliseconds, kiln: codableWrite.milliseconds,
                runs: codableWrite.runs, reference: reference("the hand-written row coding", legacyWrite)),
            Figure(
                "catalog", "read \(count) records (Codable), against the sqlite3 CLI", unit: .milliseconds,
                kiln: codableRead.milliseconds, runs: codableRead.runs,
                reference: reference("the sqlite3 CLI selecting the rows as text, no objects", sqlite))
        ]
    }

    static func records(_ perKind: Int) -> ([BuildRecord], [ImageRecord], [VMRecord]) {
        let now = Date()
        let status = ObjectStatus(
            conditions: [
                Condition(
                    type: .ready, status: true, reason: "Running", message: "powered on and ready",
                    lastTransitionTime: now)
            ], observedRevision: "c1", observedSpecHash: "h")
        var builds: [BuildRecord] = []
        var images: [ImageRecord] = []
        var vms: [VMRecord] = []
        for i in 0..<perKind {
            let spec: SpecValue = .object([
                "type": .string("qemu"), "source": .object(["scratch": .bool(true)]),
                "disk": .object(["size": .string("16mib")]), "keepResults": .int(2)
            ])
            builds.append(
                BuildRecord(
                    name: "b\(i)", spec: spec, specHash: "sh\(i)", contentHash: "ch\(i)", inputsHash: "ih\(i)",
                    runToken: "1", revision: "c1", file: "builds/b\(i).yaml", line: 3, labels: ["team": "web"],
                    createdAt: now, updatedAt: now, status: status))
            images.append(
                ImageRecord(
                    name: "i\(i)",
                    spec: .object(["osType": .string("linux"), "source": .object(["build": .string("b\(i)")])]),
                    specHash: "sh", contentHash: "ch", state: .active, version: 2, virtualImageId: Int64(i),
                    path: "/data/artifacts/b\(i)/1/b\(i)-1.qcow2", sha256: String(repeating: "a", count: 64),
                    format: "qcow2", revision: "c1", file: "images/i\(i).yaml", line: 3, createdAt: now,
                    updatedAt: now, status: status))
            vms.append(
                VMRecord(
                    name: "v\(i)", uuid: UUID().uuidString, spec: .object(["image": .string("i\(i)"), "cpus": .int(1)]),
                    specHash: "sh", contentHash: "ch", vmStatus: .poweredOn, guestReady: true, ipAddress: "10.0.2.15",
                    imageName: "i\(i)", imagePath: "/data/artifacts/b\(i)/1/b\(i)-1.qcow2", imageSha256: "ab",
                    directory: "/data/vms/\(i)", pid: 1000, pidStartTime: 123_456, qmpSocket: "/data/vms/\(i)/qmp.sock",
                    revision: "c1", file: "vms/v\(i).yaml", line: 3, createdAt: now, updatedAt: now, status: status))
        }
        return (builds, images, vms)
    }
}
