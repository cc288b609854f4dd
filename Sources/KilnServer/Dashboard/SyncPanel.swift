import KilnCatalog
import KilnSpec

/// Where Kiln stands with git, at the top of the dashboard: the applied commit (who, what, when), the last commit
/// seen and the last pass; and, when the newest commit was refused, that commit with every error that refused it.
struct SyncPanel: Sendable, Hashable {
    /// A commit as people recognise it.
    struct Commit: Sendable, Hashable {
        let id: String
        let short: String
        let author: String?
        let message: String?
        let at: TimeText?

        init?(_ id: String?, author: String? = nil, message: String? = nil, at: TimeText?) {
            guard let id, !id.isEmpty else { return nil }
            self.id = id
            short = DisplayText.commit(id)
            self.author = author
            self.message = message.map {
                $0.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? $0
            }
            self.at = at
        }
    }

    /// One reason a commit was refused: `file:line:column`, the field, the message.
    struct Problem: Sendable, Hashable {
        let place: String
        let field: String?
        let message: String
    }

    /// The refused commit and why.
    struct Refusal: Sendable, Hashable {
        let commit: Commit
        let reason: String
        let problems: [Problem]
        let deletions: [String]
        let detail: String?
    }

    let source: String
    let branch: String
    let path: String?
    let applied: Commit?
    let seen: Commit?
    /// The newest commit seen is not the one applied (refused, or not applied yet).
    let behind: Bool
    let lastRun: TimeText?
    let lastRunResult: String?
    let refused: Refusal?
    let neverSynced: Bool

    init(_ sync: SyncRecord) {
        source = sync.source
        branch = sync.branch
        path = sync.specRoot.isEmpty ? nil : sync.specRoot
        applied = Commit(
            sync.lastAppliedCommit, author: sync.lastAppliedAuthor, message: sync.lastAppliedMessage,
            at: TimeText.optional(sync.lastAppliedAt))
        seen = Commit(sync.lastSeenCommit, at: TimeText.optional(sync.lastSeenAt))
        behind = sync.lastSeenCommit != nil && sync.lastSeenCommit != sync.lastAppliedCommit
        lastRun = TimeText.optional(sync.lastRunAt)
        lastRunResult = sync.lastRunResult
        neverSynced = sync.lastSeenCommit == nil && sync.lastAppliedCommit == nil
        if let commit = Commit(
            sync.refusedCommit, author: sync.refusedAuthor, message: sync.refusedMessage,
            at: TimeText.optional(sync.refusedAt))
        {
            let reason =
                switch sync.refusedReason {
                case .invalid?: "a spec in it is invalid"
                case .destructive?: "it would delete more than the deletion budget allows"
                case nil: "it could not be applied"
                }
            refused = Refusal(
                commit: commit, reason: reason,
                problems: SpecError.sorted(sync.refusedErrors).map {
                    Problem(place: $0.location, field: $0.path.isEmpty ? nil : $0.path, message: $0.message)
                },
                deletions: sync.refusedDeletions, detail: sync.refusedDetail)
        } else {
            refused = nil
        }
    }
}
