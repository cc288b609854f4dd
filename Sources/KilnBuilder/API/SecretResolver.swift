import Foundation
import KilnSpec

/// Resolves a spec's secret references when a script starts, never earlier, and never into anything that is logged.
///
/// `fromEnv` reads a variable of Kiln's own environment whose name starts with `KILN_`; `fromFile` reads a file of the
/// secrets folder by a relative path (no `..`, no symlink out of the folder). A trailing newline is dropped, as
/// files written by `echo` or editors end with one.
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    public var secretsDirectory: String?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, secretsDirectory: String? = nil) {
        self.environment = environment
        self.secretsDirectory = secretsDirectory
    }

    /// The secret's value. Errors name the reference and the reason, never a value.
    public func resolve(_ reference: SecretReference) throws(BuildError) -> String {
        switch reference {
        case .fromEnv(let name):
            guard name.hasPrefix("KILN_") else {
                throw .secretUnavailable(
                    reference: reference.description,
                    reason: "only variables whose names start with KILN_ can be read")
            }
            guard let value = environment[name] else {
                throw .secretUnavailable(
                    reference: reference.description,
                    reason: "Kiln's environment has no variable \(name); set it where Kiln runs")
            }
            return value
        case .fromFile(let relative):
            return try readFile(relative, reference: reference)
        }
    }

    private func readFile(_ relative: String, reference: SecretReference) throws(BuildError) -> String {
        guard let directory = secretsDirectory else {
            throw .secretUnavailable(
                reference: reference.description,
                reason: "Kiln runs without a secrets folder; start it with --secrets-dir")
        }
        let normalized: String
        switch RepoPath.normalize(relative) {
        case .success(let path): normalized = path
        case .failure(let error): throw .secretUnavailable(reference: reference.description, reason: error.message)
        }
        let root = FilePaths.realPath(directory) ?? directory
        let full = root + "/" + normalized
        guard let resolved = FilePaths.realPath(full), FilePaths.isInside(resolved, root: root) else {
            throw .secretUnavailable(
                reference: reference.description,
                reason: "no such file in the secrets folder, or it leads outside the folder")
        }
        do {
            let bytes = try FileBytes.read(resolved, limit: 1 << 20)
            var text = String(decoding: bytes, as: UTF8.self)
            if text.last == "\n" || text.last == "\r\n" { text.removeLast() }
            return text
        } catch {
            throw .secretUnavailable(reference: reference.description, reason: "the file cannot be read")
        }
    }
}
