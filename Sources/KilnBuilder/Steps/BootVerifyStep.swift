import KilnSpec

/// Boots a raw disk that boots on its own under each firmware it promises (SeaBIOS for `bios`, OVMF for `uefi`,
/// both for `hybrid`) and fails the execution, with the console's last lines, when one boot does not reach
/// `verify.consoleContains` or a login prompt. `verify.boot: false` skips it.
struct BootVerifyStep: BuildStep {
    static let loginPrompt = "login:"

    func run(_ context: inout BuildContext) async throws(BuildError) {
        let spec = context.request.spec
        guard context.boot.bootsOnItsOwn, spec.verifyBoot,
              let raw = context.disks.first(where: { $0.format == .raw }) else { return }
        await context.enter(.bootVerifying)
        let qemu = try context.tools.locator.locate(.qemuSystem)
        let accelerator = await context.request.accelerator("\(context.work.root)/esp/\(BootConfiguration.kernelFile)")
        let expected = spec.verifyConsoleContains ?? Self.loginPrompt
        for kind in Firmware.kinds(for: context.boot) {
            let firmware: Firmware
            do { firmware = try Firmware.locate(kind) } catch { throw .unsupported(error.description) }
            await context.log.write("Verifying boot", "booting under \(Self.name(kind)) (\(accelerator)), waiting up to \(spec.verifyTimeout) for \(JSONText.quoted(expected)) on the serial console")
            let check = BootCheck(qemu: qemu, firmware: firmware, accelerator: accelerator, expected: expected,
                                  deadline: spec.verifyTimeout.duration)
            switch try await check.run(disk: raw.path, workFolder: context.work.root, runner: context.runner) {
            case .booted(let seconds):
                await context.log.write("Verifying boot", "booted under \(Self.name(kind)) in \(Int(seconds)) s")
            case .failed(let reason, let tail):
                for line in tail { await context.log.write("console", line) }
                throw .bootFailed(firmware: Self.name(kind), reason: reason, consoleTail: tail)
            }
        }
    }

    static func name(_ kind: Firmware.Kind) -> String {
        kind == .bios ? "SeaBIOS" : "OVMF (UEFI)"
    }
}
