import Foundation
import KilnSpec

@testable import KilnBuilder

/// A throw-away Kiln data folder for one test: work, artifact, cache and log paths laid out as the reconciler does.
struct TestBed {
    let root: String
    let buildName: String
    let buildNumber: Int

    init(_ name: String, buildNumber: Int = 1) throws {
        var template = Array("/tmp/kiln-builder-test-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        root = String(cString: made)
        buildName = name
        self.buildNumber = buildNumber
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
    }

    var dataDirectory: String { root + "/data" }
    var workDirectory: String { "\(dataDirectory)/work/\(buildName)/\(buildNumber)" }
    var artifactDirectory: String { "\(dataDirectory)/artifacts/\(buildName)/\(buildNumber)" }
    var cacheDirectory: String { dataDirectory + "/cache" }
    var logPath: String { "\(dataDirectory)/logs/\(buildName)-\(buildNumber).log" }
    /// A folder outside the data folder for inputs the test makes (archives, servers' files).
    var inputs: String { root + "/inputs" }

    func request(
        _ spec: ImageBuildSpec, files: MemoryFiles = MemoryFiles([:]), limits: BuildLimits = BuildLimits(),
        secrets: SecretResolver = SecretResolver(environment: [:])
    ) -> BuildRequest {
        BuildRequest(
            buildName: buildName, buildNumber: buildNumber, spec: spec, outputName: "\(buildName)-\(buildNumber)",
            files: files, artifactDirectory: artifactDirectory, workDirectory: workDirectory,
            cacheDirectory: cacheDirectory, logPath: logPath, secrets: secrets, hiddenPaths: [dataDirectory],
            limits: limits)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// True when a failed execution left nothing: no work folder, no artifact folder, no partial download.
    var nothingLeftBehind: Bool {
        let fm = FileManager.default
        let partials = (fm.enumerator(atPath: cacheDirectory)?.allObjects as? [String] ?? []).filter {
            $0.contains(".incoming")
        }
        return !fm.fileExists(atPath: workDirectory) && !fm.fileExists(atPath: artifactDirectory) && partials.isEmpty
    }

    func makeInputs() throws {
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// The builder as Kiln makes it: this machine's PATH, plus the sbin folders.
func hostBuilder() -> QemuImageBuilder {
    QemuImageBuilder()
}

/// Runs a build that must fail and returns its error.
func buildFailure(_ request: BuildRequest) async -> BuildError? {
    do {
        _ = try await hostBuilder().build(request) { _ in }
        return nil
    } catch {
        return error
    }
}
