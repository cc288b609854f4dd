import KilnSpec

/// What loading one commit gave: its revision, and either a snapshot or every reason the commit cannot be applied.
public struct GitLoad: Sendable {
    public var revision: Revision
    public var result: Result<Snapshot, SnapshotAssembler.Failure>
    public var stats: Stats

    public init(revision: Revision, result: Result<Snapshot, SnapshotAssembler.Failure>, stats: Stats) {
        self.revision = revision
        self.result = result
        self.stats = stats
    }

    public var snapshot: Snapshot? {
        if case .success(let snapshot) = result { return snapshot }
        return nil
    }

    /// Every error, sorted by file, line and column; empty when the commit is valid.
    public var errors: [SpecError] {
        if case .failure(let failure) = result { return failure.errors }
        return []
    }

    /// How much work a load took: what the cost of a tick grows with.
    public struct Stats: Sendable, Hashable {
        /// How the spec root's entries were found.
        public enum Strategy: Sendable, Hashable {
            /// The same commit as the last load: nothing was read.
            case sameCommit
            /// A new commit whose spec root is the same tree as the last load's: nothing was read.
            case sameTree
            /// A tree-to-tree diff against the last loaded spec root.
            case diff
            /// A walk of the whole spec root (the first load, or after the last load could not be used).
            case walk
            /// The commit has no spec root folder: nothing to read.
            case noSpecRoot
        }

        public var strategy: Strategy
        /// Entries (files, links, submodules) the diff or walk reported under the spec root.
        public var changedEntries: Int
        /// Spec files (`*.yaml`, `*.yml`) under the spec root.
        public var specFiles: Int
        /// Spec files read and parsed in this load.
        public var parsed: Int
        /// Spec files whose earlier parse was reused.
        public var reused: Int

        public init(strategy: Strategy, changedEntries: Int = 0, specFiles: Int = 0, parsed: Int = 0, reused: Int = 0) {
            self.strategy = strategy
            self.changedEntries = changedEntries
            self.specFiles = specFiles
            self.parsed = parsed
            self.reused = reused
        }
    }
}
