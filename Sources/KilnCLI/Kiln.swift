import ArgumentParser
import Foundation

/// The `kiln` command: a GitOps reconciler for virtual-machine images.
struct Kiln: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiln",
        abstract: "Keep VM image builds, images and virtual machines in the state a git repository describes.",
        discussion: """
            Exit codes: 0 success, 1 invalid input or failed work, 2 usage error (plan: 3 when it has changes).
            Errors go to stderr, results to stdout.
            """,
        version: KilnVersion.current,
        subcommands: [
            Validate.self, Plan.self, Sync.self, Serve.self, Get.self, Teardown.self, LogsCommand.self, Schema.self,
            CatalogCommand.self, Drain.self, InternalExecute.self
        ]
    )
}

/// Runs the command, mapping ArgumentParser's usage errors to exit code 2 as Kiln's contract says.
@main
enum Entry {
    static func main() async {
        do {
            var command = try Kiln.parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Kiln.exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Kiln.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            Kiln.exit(withError: error)
        }
    }
}

enum KilnVersion {
    static let current = "0.1.0"
}
