import Foundation
import GRDB
import KilnSpec

/// Hand-written row coding for the records read and written on every reconcile pass. GRDB's Codable path costs about
/// ten times as much per row, which showed at 10,000 objects (a catalog read took over a second).
enum RowCoding {
    static func labels(_ value: DatabaseValue) -> [String: String] {
        (SpecValue.fromDatabaseValue(value)?.object ?? [:]).compactMapValues(\.string)
    }

    static func labels(_ labels: [String: String]) -> String {
        SpecValue.object(labels.mapValues(SpecValue.string)).canonicalJSON
    }

    static func status(_ value: DatabaseValue) -> ObjectStatus {
        guard let v = SpecValue.fromDatabaseValue(value) else { return ObjectStatus() }
        let conditions = (v["conditions"]?.list ?? []).compactMap { c -> Condition? in
            guard let type = c["type"]?.string.flatMap(Condition.ConditionType.init(rawValue:)) else { return nil }
            let time: Double = switch c["lastTransitionTime"] {
            case .double(let d)?: d
            case .int(let i)?: Double(i)
            default: 0
            }
            return Condition(type: type, status: c["status"]?.bool ?? false, reason: c["reason"]?.string ?? "",
                             message: c["message"]?.string ?? "", lastTransitionTime: Date(timeIntervalSince1970: time))
        }
        return ObjectStatus(conditions: conditions, observedRevision: v["observedRevision"]?.string,
                            observedSpecHash: v["observedSpecHash"]?.string)
    }

    static func status(_ status: ObjectStatus) -> String {
        var fields: [String: SpecValue] = [
            "conditions": .list(status.conditions.map { c in
                .object(["type": .string(c.type.rawValue), "status": .bool(c.status), "reason": .string(c.reason),
                         "message": .string(c.message), "lastTransitionTime": .double(c.lastTransitionTime.timeIntervalSince1970)])
            }),
        ]
        if let r = status.observedRevision { fields["observedRevision"] = .string(r) }
        if let h = status.observedSpecHash { fields["observedSpecHash"] = .string(h) }
        return SpecValue.object(fields).canonicalJSON
    }

    static func uint64(_ value: Int64?) -> UInt64? { value.map { UInt64(bitPattern: $0) } }
    static func int64(_ value: UInt64?) -> Int64? { value.map { Int64(bitPattern: $0) } }
}

extension BuildRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], name: row["name"], spec: row["spec"], specHash: row["specHash"], contentHash: row["contentHash"],
                  inputsHash: row["inputsHash"], runToken: row["runToken"], revision: row["revision"], file: row["file"],
                  line: row["line"], labels: RowCoding.labels(row["labels"]), nextBuildNumber: row["nextBuildNumber"],
                  createdAt: row["createdAt"], updatedAt: row["updatedAt"], status: RowCoding.status(row["status"]))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["spec"] = spec
        container["specHash"] = specHash
        container["contentHash"] = contentHash
        container["inputsHash"] = inputsHash
        container["runToken"] = runToken
        container["revision"] = revision
        container["file"] = file
        container["line"] = line
        container["labels"] = RowCoding.labels(labels)
        container["nextBuildNumber"] = nextBuildNumber
        container["createdAt"] = createdAt
        container["updatedAt"] = updatedAt
        container["status"] = RowCoding.status(status)
    }
}

extension ExecutionRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], buildName: row["buildName"], buildNumber: row["buildNumber"],
                  status: Status(rawValue: row["status"]) ?? .failed, statusMessage: row["statusMessage"],
                  statusPercent: row["statusPercent"], statusEta: row["statusEta"], startDate: row["startDate"],
                  endDate: row["endDate"], errorMessage: row["errorMessage"], createdBy: row["createdBy"],
                  revision: row["revision"], specRoot: row["specRoot"], spec: row["spec"], inputsHash: row["inputsHash"],
                  runToken: row["runToken"], logPath: row["logPath"], pid: row["pid"],
                  pidStartTime: RowCoding.uint64(row["pidStartTime"]), reusedFrom: row["reusedFrom"], reason: row["reason"],
                  interrupted: row["interrupted"], packages: row["packages"], createdAt: row["createdAt"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["buildName"] = buildName
        container["buildNumber"] = buildNumber
        container["status"] = status.rawValue
        container["statusMessage"] = statusMessage
        container["statusPercent"] = statusPercent
        container["statusEta"] = statusEta
        container["startDate"] = startDate
        container["endDate"] = endDate
        container["errorMessage"] = errorMessage
        container["createdBy"] = createdBy
        container["revision"] = revision
        container["specRoot"] = specRoot
        container["spec"] = spec
        container["inputsHash"] = inputsHash
        container["runToken"] = runToken
        container["logPath"] = logPath
        container["pid"] = pid
        container["pidStartTime"] = RowCoding.int64(pidStartTime)
        container["reusedFrom"] = reusedFrom
        container["reason"] = reason
        container["interrupted"] = interrupted
        container["packages"] = packages
        container["createdAt"] = createdAt
    }
}

extension VirtualImageRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], executionId: row["executionId"], buildName: row["buildName"], buildNumber: row["buildNumber"],
                  name: row["name"], format: row["format"], path: row["path"], size: row["size"], sha256: row["sha256"],
                  boot: DiskBoot(rawValue: row["boot"] ?? "") ?? .none, createdAt: row["createdAt"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["executionId"] = executionId
        container["buildName"] = buildName
        container["buildNumber"] = buildNumber
        container["name"] = name
        container["format"] = format
        container["path"] = path
        container["size"] = size
        container["sha256"] = sha256
        container["boot"] = boot.rawValue
        container["createdAt"] = createdAt
    }
}

extension ImageRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], name: row["name"], spec: row["spec"], specHash: row["specHash"], contentHash: row["contentHash"],
                  state: State(rawValue: row["state"]) ?? .queued, version: row["version"], virtualImageId: row["virtualImageId"],
                  path: row["path"], sha256: row["sha256"], format: row["format"], revision: row["revision"], file: row["file"],
                  line: row["line"], labels: RowCoding.labels(row["labels"]), createdAt: row["createdAt"],
                  updatedAt: row["updatedAt"], status: RowCoding.status(row["status"]))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["spec"] = spec
        container["specHash"] = specHash
        container["contentHash"] = contentHash
        container["state"] = state.rawValue
        container["version"] = version
        container["virtualImageId"] = virtualImageId
        container["path"] = path
        container["sha256"] = sha256
        container["format"] = format
        container["revision"] = revision
        container["file"] = file
        container["line"] = line
        container["labels"] = RowCoding.labels(labels)
        container["createdAt"] = createdAt
        container["updatedAt"] = updatedAt
        container["status"] = RowCoding.status(status)
    }
}

extension VMRecord {
    public init(row: Row) throws {
        self.init(id: row["id"], name: row["name"], uuid: row["uuid"], spec: row["spec"], specHash: row["specHash"],
                  contentHash: row["contentHash"], vmStatus: Status(rawValue: row["vmStatus"]) ?? .waiting,
                  guestReady: row["guestReady"], ipAddress: row["ipAddress"], guestOs: row["guestOs"],
                  imageName: row["imageName"], imagePath: row["imagePath"], imageSha256: row["imageSha256"],
                  directory: row["directory"], pid: row["pid"], pidStartTime: RowCoding.uint64(row["pidStartTime"]),
                  qmpSocket: row["qmpSocket"], errorCode: row["errorCode"], errorMessage: row["errorMessage"],
                  revision: row["revision"], file: row["file"], line: row["line"], labels: RowCoding.labels(row["labels"]),
                  createdAt: row["createdAt"], updatedAt: row["updatedAt"], status: RowCoding.status(row["status"]))
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["name"] = name
        container["uuid"] = uuid
        container["spec"] = spec
        container["specHash"] = specHash
        container["contentHash"] = contentHash
        container["vmStatus"] = vmStatus.rawValue
        container["guestReady"] = guestReady
        container["ipAddress"] = ipAddress
        container["guestOs"] = guestOs
        container["imageName"] = imageName
        container["imagePath"] = imagePath
        container["imageSha256"] = imageSha256
        container["directory"] = directory
        container["pid"] = pid
        container["pidStartTime"] = RowCoding.int64(pidStartTime)
        container["qmpSocket"] = qmpSocket
        container["errorCode"] = errorCode
        container["errorMessage"] = errorMessage
        container["revision"] = revision
        container["file"] = file
        container["line"] = line
        container["labels"] = RowCoding.labels(labels)
        container["createdAt"] = createdAt
        container["updatedAt"] = updatedAt
        container["status"] = RowCoding.status(status)
    }
}

extension JournalEntry {
    public init(row: Row) throws {
        self.init(id: row["id"], commit: row["commit"], action: row["action"], objectKind: row["objectKind"],
                  objectName: row["objectName"], detail: row["detail"], state: State(rawValue: row["state"]) ?? .started,
                  error: row["error"], startedAt: row["startedAt"], endedAt: row["endedAt"])
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["commit"] = commit
        container["action"] = action
        container["objectKind"] = objectKind
        container["objectName"] = objectName
        container["detail"] = detail
        container["state"] = state.rawValue
        container["error"] = error
        container["startedAt"] = startedAt
        container["endedAt"] = endedAt
    }
}
