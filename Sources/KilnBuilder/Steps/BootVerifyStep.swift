import KilnSpec

/// Boots a raw disk that boots on its own under each firmware it promises (SeaBIOS for `bios`, OVMF for `uefi`,
/// both for `hybrid`) and fails the execution, with the console's last lines, when one boot does not reach
/// `verify.consoleContains` or a login prompt. `verify.boot: false` skips it.
struct BootVerifyStep: BuildStep {
    static let loginPrompt = "login:"

    func run(_ context: inout BuildContext) async throws(BuildError) {
        let spec = context.request.spec
        guard context.boot.bootsOnItsOwn, spec.verifyBoot,
            let raw = context.disks.first(where: { $0.format == .raw })
        else { return }
        await context.enter(.bootVerifying)
        let qemu = try context.tools.locator.locate(.qemuSystem)
        let accelerator = await context.request.accelerator("\(context.work.root)/esp/\(BootConfiguration.kernelFile)")
        let expected = spec.verifyConsoleContains ?? Self.loginPrompt
        var checks: [(Firmware.Kind, BootCheck)] = []
        for kind in Firmware.kinds(for: context.boot) {
            let firmware: Firmware
            do { firmware = try Firmware.locate(kind) } catch { throw .unsupported(error.description) }
            await context.log.write(
                "Verifying boot",
                "booting under \(Self.name(kind)) (\(accelerator)), waiting up to \(spec.verifyTimeout) for \(JSONText.quoted(expected)) on the serial console"
            )
            checks.append(
                (
                    kind,
                    BootCheck(
                        qemu: qemu, firmware: firmware, accelerator: accelerator, expected: expected,
                        deadline: spec.verifyTimeout.duration)
                ))
        }
        // The boots (SeaBIOS and OVMF for hybrid) run at once, each a one-CPU qemu on its own snapshot of the disk and
        // its own console file: on a machine with a core for each, verifying a hybrid disk takes one boot's time. The
        // first failure stops the others; failures are reported in firmware order.
        //
        // Each boot is a task calling a plain function that returns a Result, and the group below only hands back
        // indexes: a task group whose children returned `(Int, Result<…, BuildError>)` from typed-throws closures
        // trapped (an index out of range) in a release build of Swift 6.3.1, while the debug build worked.
        let disk = raw.path
        let folder = context.work.root
        let runner = context.runner
        let log = context.log
        let boots = checks.map { _, check in Task { await Self.boot(check, disk: disk, folder: folder, runner: runner) }
        }
        let results = await withTaskCancellationHandler {
            await withTaskGroup(of: Int.self) { group in
                for index in boots.indices {
                    group.addTask {
                        _ = await boots[index].value
                        return index
                    }
                }
                for await index in group {
                    switch await boots[index].value {
                    case .success(.booted(let seconds)):
                        await log.write(
                            "Verifying boot", "booted under \(Self.name(checks[index].0)) in \(Int(seconds)) s")
                    case .success(.failed), .failure:
                        for boot in boots { boot.cancel() }
                    }
                }
                var results: [Result<BootCheck.Outcome, BuildError>?] = []
                for boot in boots { results.append(await boot.value) }
                return results
            }
        } onCancel: {
            for boot in boots { boot.cancel() }
        }
        if Task.isCancelled { throw .cancelled }
        var firstError: BuildError?
        for (index, result) in results.enumerated() {
            switch result {
            case .success(.failed(let reason, let tail))?:
                for line in tail { await context.log.write("console", line) }
                throw .bootFailed(firmware: Self.name(checks[index].0), reason: reason, consoleTail: tail)
            case .failure(let error)?:
                if firstError == nil, error != .cancelled { firstError = error }
            case .success(.booted)?, nil:
                break
            }
        }
        if let firstError { throw firstError }
        if results.contains(where: { if case .failure = $0 { true } else { false } }) { throw .cancelled }
    }

    private static func boot(
        _ check: BootCheck, disk: String, folder: String, runner: ProcessRunner
    ) async -> Result<BootCheck.Outcome, BuildError> {
        do {
            return .success(try await check.run(disk: disk, workFolder: folder, runner: runner))
        } catch {
            return .failure(error)
        }
    }

    static func name(_ kind: Firmware.Kind) -> String {
        kind == .bios ? "SeaBIOS" : "OVMF (UEFI)"
    }
}
