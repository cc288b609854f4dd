import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// Small builders for planner tables: desired states from YAML, actual states from settled snapshots.
enum Fixture {
    static let script = "#!/bin/sh\necho hi\n"

    static func snapshot(_ docs: [String], scripts: [String: String] = ["scripts/build.sh": script],
                         commit: String = "c1") -> Snapshot {
        var files = scripts
        for (i, doc) in docs.enumerated() { files["spec-\(i).yaml"] = doc }
        switch SnapshotAssemblerFixture.load(files, commit: commit) {
        case .success(let s): return s
        case .failure(let f): fatalError(f.errors.map(\.description).joined(separator: "\n"))
        }
    }

    static let policy = PlannerPolicy(now: Date(timeIntervalSince1970: 1_000_000), toolsFingerprint: "tools")

    static func plan(_ desired: Snapshot, _ actual: CatalogState, policy: PlannerPolicy = policy) -> ReconcilePlan {
        Planner.plan(desired: desired, actual: actual, policy: policy)
    }

    /// The actions as short strings (`run ImageBuild/b`), easy to compare in tables.
    static func verbs(_ plan: ReconcilePlan) -> [String] {
        plan.actions.map { "\($0.verb) \($0.key)" }
    }

    static func settled(_ snapshot: Snapshot) -> CatalogState {
        SimulatedState.settled(snapshot, policy: policy)
    }

    static func execution(_ build: String, _ number: Int, _ status: ExecutionRecord.Status, inputs: String,
                          token: String? = nil, interrupted: Bool = false, id: Int64) -> ExecutionRecord {
        ExecutionRecord(id: id, buildName: build, buildNumber: number, status: status, createdBy: "t", revision: "c0",
                        specRoot: "", spec: .object([:]), inputsHash: inputs, runToken: token, logPath: "",
                        reason: "test", interrupted: interrupted, createdAt: Date(timeIntervalSince1970: 0))
    }
}

/// Loads in-memory spec files (a copy of the test-support helper, so this target needs only the pure modules).
enum SnapshotAssemblerFixture {
    struct Tree: TreeLookup {
        let files: [String: String]
        func entry(at path: String) -> TreeEntry? {
            files[path].map { TreeEntry(type: .file, digest: Digest.sha256Hex($0)) }
        }
    }

    static func load(_ files: [String: String], commit: String) -> Result<Snapshot, SnapshotAssembler.Failure> {
        let parsed = files.keys.sorted().filter(SourceLimits.isSpecFile).map { DocumentParser.parse(path: $0, text: files[$0]!) }
        return SnapshotAssembler.assemble(files: parsed, tree: Tree(files: files),
                                          revision: Revision(id: commit, author: "Ada", message: "m"))
    }
}

enum Docs {
    static func build(_ name: String, token: String? = nil, keep: Int = 0, policy: String = "onChange",
                      suspend: Bool = false, description: String = "d", formats: String = "qcow2") -> String {
        """
        apiVersion: kiln.dev/v1
        kind: ImageBuild
        metadata: {name: \(name)}
        spec:
          description: \(description)
          type: qemu
          source: {scratch: true}
          scripts: [{name: build, path: scripts/build.sh}]
          conversionFormats: [\(formats)]
          keepResults: \(keep)
          suspend: \(suspend)
          run: {policy: \(policy)\(token.map { ", token: \"\($0)\"" } ?? "")}
        """
    }

    static func image(_ name: String, build: String?) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: Image
        metadata: {name: \(name)}
        spec:
          osType: linux
          hypervisor: false
          supportsVirtualMachine: true
        \(build.map { "  source: {build: \($0), format: qcow2}" } ?? "")
        """
    }

    static func vm(_ name: String, image: String, cpus: Int = 1, power: String = "running", suspend: Bool = false) -> String {
        """
        apiVersion: kiln.dev/v1
        kind: VirtualMachine
        metadata: {name: \(name)}
        spec: {image: \(image), cpus: \(cpus), memory: 256mib, powerState: \(power), suspend: \(suspend)}
        """
    }
}
