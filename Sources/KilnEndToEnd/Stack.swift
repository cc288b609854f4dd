import Foundation
import KilnTestSupport
import Testing

/// A spec repository and a data dir for sync tests: build `web` (its script writes a file into the image), Image `web`
/// from it, VM `web-1` (stopped) on the image, and the catalog-only Image `catalog`, which keeps the spec root from
/// ever being empty when the others are deleted.
public struct Stack: Sendable {
    public let scratch: Scratch
    public let repo: GitRepository
    public let data: DataDirectory

    /// What the specs say; `write()` puts it in the work tree.
    public struct Settings: Sendable {
        public var keepResults = 1
        public var token = "1"
        public var suspend = false
        public var cpus = 1
        public var memory = "128mib"
        public var script = "v1"
        /// Seconds the build's script sleeps.
        public var sleep = 0
        public var extraImages: [String] = []

        public init(
            keepResults: Int = 1, token: String = "1", suspend: Bool = false, cpus: Int = 1, memory: String = "128mib",
            script: String = "v1", sleep: Int = 0, extraImages: [String] = []
        ) {
            self.keepResults = keepResults
            self.token = token
            self.suspend = suspend
            self.cpus = cpus
            self.memory = memory
            self.script = script
            self.sleep = sleep
            self.extraImages = extraImages
        }
    }

    public init(in scratch: Scratch) async throws {
        self.scratch = scratch
        repo = try await GitRepository(at: scratch.file("repo"))
        data = DataDirectory(path: scratch.dataDir)
    }

    /// Writes the stack's files as `settings` says (removing extra images that are no longer listed).
    public func write(_ settings: Settings = Settings()) throws {
        try repo.write("scripts/provision.sh", Specs.script(writing: "web \(settings.script)", sleep: settings.sleep))
        try repo.write(
            "builds/web.yaml",
            Specs.build(
                "web", keepResults: settings.keepResults, token: settings.token,
                suspend: settings.suspend))
        try repo.write("images/web.yaml", Specs.image("web", build: "web"))
        try repo.write("images/catalog.yaml", Specs.catalogImage("catalog"))
        try repo.write("vms/web-1.yaml", Specs.vm("web-1", image: "web", cpus: settings.cpus, memory: settings.memory))
        let wanted = Set(settings.extraImages.map { "\($0).yaml" })
        for file in (try? FileManager.default.contentsOfDirectory(atPath: repo.path + "/extras")) ?? []
        where !wanted.contains(file) {
            try repo.remove("extras/\(file)")
        }
        for name in settings.extraImages { try repo.write("extras/\(name).yaml", Specs.catalogImage(name)) }
    }

    /// Removes build `web`, Image `web` and VM `web-1` from the work tree (Image `catalog` stays).
    public func removeWeb() throws {
        try repo.remove("builds/web.yaml")
        try repo.remove("images/web.yaml")
        try repo.remove("vms/web-1.yaml")
    }

    /// `kiln sync --wait` on the stack's repository and data dir.
    public func sync(
        _ extra: [String] = [], wait: Bool = true, environment: [String: String] = [:]
    ) async throws -> ProcessResult {
        try await KilnBinary.sync(
            repo: repo.path, dataDir: data.path, extra: extra, wait: wait, environment: environment)
    }

    /// `kiln sync --wait` that must exit 0 with everything Ready.
    @discardableResult
    public func syncReady(
        _ extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> ProcessResult {
        let result = try await sync(extra)
        #expect(result.exitCode == 0, "kiln sync: \(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.contains(" ready\n") || result.stdout.hasSuffix(" ready"), sourceLocation: sourceLocation)
        #expect(!result.stdout.contains("NotReady"), "\(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs `body` with a new stack in a new scratch folder, removed afterwards.
    public static func with(_ body: (Stack) async throws -> Void) async throws {
        try await Scratch.with { scratch in
            try await body(try await Stack(in: scratch))
        }
    }
}
