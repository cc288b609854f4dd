import Foundation
import GRDB
import KilnSpec

/// One run of an ImageBuild (a Morpheus image build execution).
public struct ExecutionRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord {
    public static let databaseTableName = "execution"

    /// Morpheus execution states.
    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, running, success, failed, cancelled

        public var isFinished: Bool { self == .success || self == .failed || self == .cancelled }
    }

    public var id: Int64?
    public var buildName: String
    public var buildNumber: Int
    public var status: Status
    public var statusMessage: String?
    public var statusPercent: Double
    /// Seconds left, estimated from earlier successful executions.
    public var statusEta: Double?
    public var startDate: Date?
    public var endDate: Date?
    public var errorMessage: String?
    /// The author of the commit that asked for this execution.
    public var createdBy: String
    /// The commit the execution builds.
    public var revision: String
    /// The spec root inside the repository at that commit, where script paths start.
    public var specRoot: String
    /// The build's spec as it was for this execution.
    public var spec: SpecValue
    public var inputsHash: String
    public var runToken: String?
    public var logPath: String
    /// The process running the execution, for re-attaching after a restart.
    public var pid: Int32?
    /// The process's start time (from /proc), so a reused pid is never mistaken for the worker.
    public var pidStartTime: UInt64?
    /// The earlier execution whose outputs were reused, when the inputs were the same.
    public var reusedFrom: Int64?
    /// Why this execution started (a new build, a spec change, a new run token).
    public var reason: String
    /// True when it failed because Kiln or its host stopped under it, not because of the build: such an execution is
    /// run again, while a build that failed on its own waits for a change in git.
    public var interrupted: Bool
    /// The resolved package list of a Debian source (`packages.txt`: `name version architecture` per line).
    public var packages: String?
    public var createdAt: Date

    public init(
        id: Int64? = nil, buildName: String, buildNumber: Int, status: Status = .pending, statusMessage: String? = nil,
        statusPercent: Double = 0, statusEta: Double? = nil, startDate: Date? = nil, endDate: Date? = nil,
        errorMessage: String? = nil, createdBy: String, revision: String, specRoot: String, spec: SpecValue,
        inputsHash: String, runToken: String?, logPath: String, pid: Int32? = nil, pidStartTime: UInt64? = nil,
        reusedFrom: Int64? = nil, reason: String, interrupted: Bool = false, packages: String? = nil, createdAt: Date
    ) {
        self.packages = packages
        self.id = id
        self.buildName = buildName
        self.buildNumber = buildNumber
        self.status = status
        self.statusMessage = statusMessage
        self.statusPercent = statusPercent
        self.statusEta = statusEta
        self.startDate = startDate
        self.endDate = endDate
        self.errorMessage = errorMessage
        self.createdBy = createdBy
        self.revision = revision
        self.specRoot = specRoot
        self.spec = spec
        self.inputsHash = inputsHash
        self.runToken = runToken
        self.logPath = logPath
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.reusedFrom = reusedFrom
        self.reason = reason
        self.interrupted = interrupted
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
