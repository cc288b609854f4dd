import Foundation
import GRDB

/// One action in the journal: written before the action starts and closed after, so that a restart after a crash
/// knows what was under way.
public struct JournalEntry: Sendable, Hashable, CatalogRecord, MutablePersistableRecord {
    public static let databaseTableName = "journal"

    public enum State: String, Sendable, Hashable, Codable {
        case started, done, failed, abandoned
    }

    public var id: Int64?
    public var commit: String
    /// The action's kind (`create`, `run`, `prune` …) and object, as the planner named them.
    public var action: String
    public var objectKind: String
    public var objectName: String
    /// The action's details as JSON, enough to finish or undo it.
    public var detail: String
    public var state: State
    public var error: String?
    public var startedAt: Date
    public var endedAt: Date?

    public init(
        id: Int64? = nil, commit: String, action: String, objectKind: String, objectName: String, detail: String,
        state: State = .started, error: String? = nil, startedAt: Date, endedAt: Date? = nil
    ) {
        self.id = id
        self.commit = commit
        self.action = action
        self.objectKind = objectKind
        self.objectName = objectName
        self.detail = detail
        self.state = state
        self.error = error
        self.startedAt = startedAt
        self.endedAt = endedAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
