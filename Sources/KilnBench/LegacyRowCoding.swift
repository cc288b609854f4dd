import Foundation
import GRDB
import KilnCatalog
import KilnSpec

/// The hand-written row coding the catalog used before its records became `Codable` (about 100 `row["…"]` and
/// `container["…"]` lines), kept here only as the benchmark's reference: `kiln-bench catalog` times both on the same
/// rows in the same run.
enum LegacyRowCoding {
    static func labels(_ value: DatabaseValue) -> [String: String] {
        (SpecValue.fromDatabaseValue(value)?.object ?? [:]).compactMapValues(\.string)
    }

    static func labels(_ labels: [String: String]) -> String {
        SpecValue.object(labels.mapValues(SpecValue.string)).canonicalJSON
    }

    static func status(_ value: DatabaseValue) -> ObjectStatus {
        ObjectStatus(columnJSON: String.fromDatabaseValue(value) ?? "")
    }

    static func uint64(_ value: Int64?) -> UInt64? { value.map { UInt64(bitPattern: $0) } }
    static func int64(_ value: UInt64?) -> Int64? { value.map { Int64(bitPattern: $0) } }

    static func build(_ row: Row) -> BuildRecord {
        BuildRecord(
            id: row["id"], name: row["name"], spec: row["spec"], specHash: row["specHash"],
            contentHash: row["contentHash"],
            inputsHash: row["inputsHash"], runToken: row["runToken"], revision: row["revision"], file: row["file"],
            line: row["line"], labels: labels(row["labels"]), nextBuildNumber: row["nextBuildNumber"],
            createdAt: row["createdAt"], updatedAt: row["updatedAt"], status: status(row["status"]))
    }

    static func image(_ row: Row) -> ImageRecord {
        ImageRecord(
            id: row["id"], name: row["name"], spec: row["spec"], specHash: row["specHash"],
            contentHash: row["contentHash"],
            state: ImageRecord.State(rawValue: row["state"]) ?? .queued, version: row["version"],
            virtualImageId: row["virtualImageId"], path: row["path"], sha256: row["sha256"], format: row["format"],
            revision: row["revision"], file: row["file"], line: row["line"], labels: labels(row["labels"]),
            createdAt: row["createdAt"], updatedAt: row["updatedAt"], status: status(row["status"]))
    }

    static func vm(_ row: Row) -> VMRecord {
        VMRecord(
            id: row["id"], name: row["name"], uuid: row["uuid"], spec: row["spec"], specHash: row["specHash"],
            contentHash: row["contentHash"], vmStatus: VMRecord.Status(rawValue: row["vmStatus"]) ?? .waiting,
            guestReady: row["guestReady"], ipAddress: row["ipAddress"], guestOs: row["guestOs"],
            imageName: row["imageName"], imagePath: row["imagePath"], imageSha256: row["imageSha256"],
            directory: row["directory"], pid: row["pid"], pidStartTime: uint64(row["pidStartTime"]),
            qmpSocket: row["qmpSocket"], errorCode: row["errorCode"], errorMessage: row["errorMessage"],
            revision: row["revision"], file: row["file"], line: row["line"], labels: labels(row["labels"]),
            createdAt: row["createdAt"], updatedAt: row["updatedAt"], status: status(row["status"]))
    }

    struct Build: EncodableRecord {
        let record: BuildRecord
        func encode(to container: inout PersistenceContainer) throws {
            let r = record
            container["id"] = r.id
            container["name"] = r.name
            container["spec"] = r.spec
            container["specHash"] = r.specHash
            container["contentHash"] = r.contentHash
            container["inputsHash"] = r.inputsHash
            container["runToken"] = r.runToken
            container["revision"] = r.revision
            container["file"] = r.file
            container["line"] = r.line
            container["labels"] = LegacyRowCoding.labels(r.labels)
            container["nextBuildNumber"] = r.nextBuildNumber
            container["createdAt"] = r.createdAt
            container["updatedAt"] = r.updatedAt
            container["status"] = r.status.columnJSON
        }
    }

    struct Image: EncodableRecord {
        let record: ImageRecord
        func encode(to container: inout PersistenceContainer) throws {
            let r = record
            container["id"] = r.id
            container["name"] = r.name
            container["spec"] = r.spec
            container["specHash"] = r.specHash
            container["contentHash"] = r.contentHash
            container["state"] = r.state.rawValue
            container["version"] = r.version
            container["virtualImageId"] = r.virtualImageId
            container["path"] = r.path
            container["sha256"] = r.sha256
            container["format"] = r.format
            container["revision"] = r.revision
            container["file"] = r.file
            container["line"] = r.line
            container["labels"] = LegacyRowCoding.labels(r.labels)
            container["createdAt"] = r.createdAt
            container["updatedAt"] = r.updatedAt
            container["status"] = r.status.columnJSON
        }
    }

    struct VM: EncodableRecord {
        let record: VMRecord
        func encode(to container: inout PersistenceContainer) throws {
            let r = record
            container["id"] = r.id
            container["name"] = r.name
            container["uuid"] = r.uuid
            container["spec"] = r.spec
            container["specHash"] = r.specHash
            container["contentHash"] = r.contentHash
            container["vmStatus"] = r.vmStatus.rawValue
            container["guestReady"] = r.guestReady
            container["ipAddress"] = r.ipAddress
            container["guestOs"] = r.guestOs
            container["imageName"] = r.imageName
            container["imagePath"] = r.imagePath
            container["imageSha256"] = r.imageSha256
            container["directory"] = r.directory
            container["pid"] = r.pid
            container["pidStartTime"] = LegacyRowCoding.int64(r.pidStartTime)
            container["qmpSocket"] = r.qmpSocket
            container["errorCode"] = r.errorCode
            container["errorMessage"] = r.errorMessage
            container["revision"] = r.revision
            container["file"] = r.file
            container["line"] = r.line
            container["labels"] = LegacyRowCoding.labels(r.labels)
            container["createdAt"] = r.createdAt
            container["updatedAt"] = r.updatedAt
            container["status"] = r.status.columnJSON
        }
    }
}
