import Foundation

/// A temp folder of one test: its git repository, Kiln's data dirs, anything else it writes. `remove()` ends every
/// process that still names the folder (build workers, qemu) and deletes it, so a test leaves nothing behind.
public final class Scratch: Sendable {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// `<scratch>/data`: the data dir most tests give `--data-dir`.
    public var dataDir: String { path + "/data" }

    /// A path inside the folder.
    public func file(_ relative: String) -> String { "\(path)/\(relative)" }

    /// Ends the processes that name this folder, then deletes it.
    public func remove() async {
        await ProcessSweep.killAll(mentioning: path)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Runs `body` with a new scratch folder, removed afterwards whether `body` returns or throws.
    public static func with<T>(_ body: (Scratch) async throws -> T) async throws -> T {
        let scratch = try Scratch()
        do {
            let result = try await body(scratch)
            await scratch.remove()
            return result
        } catch {
            await scratch.remove()
            throw error
        }
    }
}
