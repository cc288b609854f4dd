import Foundation
import GRDB
import KilnSpec

/// Where Kiln stands with its source: the last commit seen, applied and refused (one row).
public struct SyncRecord: Sendable, Hashable, Codable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "sync"

    /// Why a commit was not applied.
    public enum RefusalReason: String, Sendable, Hashable, Codable {
        /// A document failed validation.
        case invalid
        /// The plan deletes more than the deletion budget allows.
        case destructive
    }

    public var id: Int64 = 1
    public var source: String = ""
    public var branch: String = ""
    public var specRoot: String = ""
    public var lastSeenCommit: String?
    public var lastSeenAt: Date?
    public var lastAppliedCommit: String?
    public var lastAppliedAt: Date?
    public var lastAppliedAuthor: String?
    public var lastAppliedMessage: String?
    public var refusedCommit: String?
    public var refusedAuthor: String?
    public var refusedMessage: String?
    public var refusedReason: RefusalReason?
    public var refusedErrors: [SpecError] = []
    /// For a destructive refusal: what the plan would have deleted (`Kind/name`).
    public var refusedDeletions: [String] = []
    /// For a destructive refusal: which rule of the deletion budget it broke.
    public var refusedDetail: String?
    public var refusedAt: Date?
    /// The last reconcile pass: when it ended and what it concluded.
    public var lastRunAt: Date?
    public var lastRunResult: String?

    public init() {}
}
