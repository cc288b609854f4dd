import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs a host tool and collects its output; a non-zero exit is an error with the tool's own words.
enum Tool {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: String
        var output: String
        var description: String {
            "\(command) failed (\(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        }
    }

    @discardableResult
    static func run(_ name: String, _ arguments: [String], workingDirectory: String? = nil) async throws -> String {
        let result: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(
                .name(name), arguments: Arguments(arguments),
                workingDirectory: workingDirectory.map { FilePath($0) },
                output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        } catch {
            throw Failure(command: name, status: "could not start", output: "\(error) (is it installed? see README)")
        }
        guard result.terminationStatus.isSuccess else {
            throw Failure(
                command: ([name] + arguments).joined(separator: " "), status: "\(result.terminationStatus)",
                output: (result.standardError ?? "") + (result.standardOutput ?? ""))
        }
        return result.standardOutput ?? ""
    }
}
