import Foundation
import KilnTestSupport

/// Debian's headless Chromium, run once per page: `--dump-dom` (the DOM after the page's script ran) or
/// `--screenshot`. Each run has its own profile folder, waits for Chromium to exit on its own, and ends it by its pid
/// only when it outlives a generous deadline (a hang, never a timing assumption).
struct Chromium {
    let executable: String
    let profile: String

    init(profile: String) throws {
        executable = try ExternalTool.find("chromium", install: "apt-get install chromium (in .ci/install)")
        self.profile = profile
    }

    /// Root needs `--no-sandbox`; no GPU, no first-run work, one pixel per CSS pixel.
    func arguments(width: Int, height: Int, dark: Bool) -> [String] {
        var arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio",
            "--force-device-scale-factor=1", "--user-data-dir=\(profile)", "--window-size=\(width),\(height)"
        ]
        if dark { arguments.append("--force-dark-mode") }
        return arguments
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run(_ arguments: [String]) async throws -> ProcessResult {
        let process = try RunningProcess(executable, arguments)
        let result = await process.wait(timeout: .seconds(180))
        guard result.exitCode == 0, !result.signalled else {
            throw Failure(description: "chromium \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return result
    }

    /// The page's DOM once it has loaded and its script has run.
    func dom(_ url: String, width: Int = 1280, height: Int = 900) async throws -> String {
        try await run(arguments(width: width, height: height, dark: false) + ["--dump-dom", url]).stdout
    }

    /// A PNG of the page's top `height` pixels at `width`.
    func screenshot(_ url: String, to path: String, width: Int, height: Int, dark: Bool = false) async throws {
        _ = try await run(arguments(width: width, height: height, dark: dark) + ["--screenshot=\(path)", url])
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(description: "chromium wrote no \(path)")
        }
    }

    /// A PNG's width and height, from its IHDR chunk.
    static func pngSize(_ path: String) throws -> (width: Int, height: Int) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard data.count > 24, Array(data.prefix(8)) == signature else {
            throw Failure(description: "\(path) is not a PNG")
        }
        func int(_ at: Int) -> Int { data[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }
}
