/// Every row of a catalog, read in one transaction: what `kiln catalog migrate` copies and then compares.
public struct CatalogExport: Sendable {
    public var state: CatalogState
    /// The whole journal, closed entries too.
    public var journal: [JournalEntry]
    public var inventory: [InventoryItem]
    /// Whether the sync row exists (a catalog that never synced has none; `state.sync` is then a blank record).
    public var hasSync: Bool

    public init(state: CatalogState, journal: [JournalEntry], inventory: [InventoryItem], hasSync: Bool) {
        self.state = state
        self.journal = journal
        self.inventory = inventory
        self.hasSync = hasSync
    }

    /// Rows per table, by the tables' SQL names.
    public var counts: [String: Int] {
        [
            "image_build": state.builds.count,
            "execution": state.executions.values.reduce(0) { $0 + $1.count },
            "virtual_image": state.virtualImages.values.reduce(0) { $0 + $1.count },
            "image": state.images.count,
            "vm": state.vms.count,
            "vm_callback": state.callbacks.values.reduce(0) { $0 + $1.count },
            "sync": hasSync ? 1 : 0,
            "journal": journal.count,
            "inventory": inventory.count,
            "tombstone": state.tombstones.count
        ]
    }

    /// Each build's next build number and the numbers of the executions it has: what must never change in a copy.
    public var buildNumbers: [String: BuildNumbers] {
        state.builds.mapValues { build in
            BuildNumbers(
                next: build.nextBuildNumber,
                executions: (state.executions[build.name] ?? []).map(\.buildNumber).sorted())
        }
    }

    public struct BuildNumbers: Sendable, Hashable, CustomStringConvertible {
        public var next: Int
        public var executions: [Int]

        public init(next: Int, executions: [Int]) {
            self.next = next
            self.executions = executions
        }

        public var description: String {
            "next #\(next), executions \(executions.map { "#\($0)" }.joined(separator: " "))"
        }
    }

    /// What differs between two exports in counts and build numbers (empty: the copy is whole).
    public static func differences(_ source: CatalogExport, _ copy: CatalogExport) -> [String] {
        var found: [String] = []
        let (a, b) = (source.counts, copy.counts)
        for table in a.keys.sorted() where a[table] != b[table] {
            found.append("\(table): \(a[table] ?? 0) rows in the source, \(b[table] ?? 0) in the copy")
        }
        let (x, y) = (source.buildNumbers, copy.buildNumbers)
        for build in Set(x.keys).union(y.keys).sorted() where x[build] != y[build] {
            found.append(
                "ImageBuild \(build): \(x[build].map(\.description) ?? "missing") in the source, \(y[build].map(\.description) ?? "missing") in the copy"
            )
        }
        return found
    }
}
