import Foundation
import KilnSpec

/// Boots a disk headless under qemu with firmware alone (never `-kernel`) and waits for a line on its serial
/// console. The disk is opened with `snapshot=on`, so the boot never changes it; qemu is killed (its whole process
/// group) as soon as the line shows, or when the deadline passes, and the call returns only once it is gone.
struct BootCheck: Sendable {
    var qemu: String
    var firmware: Firmware
    var accelerator: String
    var memoryMiB: Int = 1024
    /// What means "booted": `verify.consoleContains`, or a login prompt.
    var expected: String
    var deadline: Duration

    enum Outcome: Sendable, Hashable {
        case booted(seconds: Double)
        case failed(reason: String, consoleTail: [String])
    }

    static let consoleTailLines = 50

    /// The qemu command line: a table-tested pure function.
    static func arguments(
        disk: String, firmware: Firmware, variableStore: String?, accelerator: String, memoryMiB: Int,
        console: String
    ) -> [String] {
        [
            "-machine", "pc,accel=\(accelerator)", "-m", "\(memoryMiB)M", "-smp", "1", "-nodefaults", "-no-user-config",
            "-display", "none", "-no-reboot", "-serial", "file:\(console)",
            "-drive", "file=\(disk),format=raw,if=virtio,snapshot=on"
        ]
            + firmware.qemuArguments(variableStore: variableStore)
    }

    func run(disk: String, workFolder: String, runner: ProcessRunner) async throws(BuildError) -> Outcome {
        let console = "\(workFolder)/console-\(firmware.kind.rawValue).log"
        let variables = "\(workFolder)/vars-\(firmware.kind.rawValue).fd"
        try? FileSystem.removeTree(console)
        try? FileSystem.removeTree(variables)
        do {
            try firmware.makeVariableStore(at: variables)
        } catch {
            throw .unsupported(error.description)
        }
        let arguments = Self.arguments(
            disk: disk, firmware: firmware, variableStore: firmware.variablesTemplate == nil ? nil : variables,
            accelerator: accelerator, memoryMiB: memoryMiB, console: console)
        let qemu = self.qemu
        let started = ContinuousClock.now
        let ending = Ending()
        let process = Task {
            let text: String
            do {
                let outcome = try await runner.run(qemu, arguments)
                text =
                    outcome.status.description
                    + (outcome.tail.isEmpty ? "" : ": " + outcome.tail.suffix(3).joined(separator: " | "))
            } catch {
                text = "\(error)"
            }
            await ending.set(text)
        }
        defer { process.cancel() }
        let expected = self.expected
        while started.duration(to: .now) < deadline {
            if Self.consoleText(console).contains(expected) {
                process.cancel()
                await process.value
                return .booted(seconds: Double(started.duration(to: .now).components.seconds))
            }
            if let ended = await ending.text {
                return .failed(
                    reason: "qemu ended (\(ended)) before the console showed \(JSONText.quoted(expected))",
                    consoleTail: Self.tail(console))
            }
            try? await Task.sleep(for: .milliseconds(250))
            if Task.isCancelled {
                process.cancel()
                await process.value
                throw .cancelled
            }
        }
        process.cancel()
        await process.value
        return .failed(
            reason: "the console did not show \(JSONText.quoted(expected)) within \(deadline)",
            consoleTail: Self.tail(console))
    }

    /// How qemu ended, once it has.
    private actor Ending {
        var text: String?
        func set(_ value: String) { text = value }
    }

    /// The console as text, escape sequences and carriage returns dropped; only its last 1 MiB.
    static func consoleText(_ path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 1 << 20 ? size - (1 << 20) : 0)
        let data = (try? handle.readToEnd()) ?? Data()
        return cleaned(String(decoding: data, as: UTF8.self))
    }

    static func cleaned(_ text: String) -> String {
        var out = ""
        var escape = false
        for scalar in text.unicodeScalars {
            if escape {
                if (0x40...0x7E).contains(scalar.value) && scalar != "[" { escape = false }
                continue
            }
            if scalar == "\u{1B}" {
                escape = true
                continue
            }
            if scalar == "\r" { continue }
            if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" { continue }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    static func tail(_ path: String) -> [String] {
        let lines = consoleText(path).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return Array(lines.suffix(consoleTailLines))
    }
}
