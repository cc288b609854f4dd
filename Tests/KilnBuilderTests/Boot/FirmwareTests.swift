import Foundation
import KilnSpec
import Testing

@testable import KilnBuilder

/// Finding SeaBIOS and OVMF, and the qemu arguments each one needs.
@Suite struct FirmwareTests {
    /// A fake `/` holding only the files given, so lookups are tested without depending on the host.
    private func fakeRoot(_ files: [String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-fw-\(UUID().uuidString)").path
        for file in files {
            try FileManager.default.createDirectory(
                atPath: root + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: root + file, contents: Data("fw".utf8))
        }
        return root
    }

    @Test func ovmfCodeAndVariablesComeFromTheSameBuild() throws {
        // The 4 MiB code without its variables is skipped for the 2 MiB pair.
        let root = try fakeRoot([
            "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_VARS.fd"
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let found = try Firmware.locate(.uefi, root: root)
        #expect(found.code == root + "/usr/share/OVMF/OVMF_CODE.fd")
        #expect(found.variablesTemplate == root + "/usr/share/OVMF/OVMF_VARS.fd")
    }

    @Test func missingFirmwareNamesItsPackage() throws {
        let root = try fakeRoot([])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(throws: FirmwareError.self) { try Firmware.locate(.bios, root: root) }
        do {
            _ = try Firmware.locate(.uefi, root: root)
        } catch {
            #expect(error.description.contains("apt-get install ovmf"))
        }
    }

    @Test func qemuArguments() throws {
        let bios = Firmware(kind: .bios, code: "/s/bios-256k.bin", variablesTemplate: nil)
        #expect(bios.qemuArguments(variableStore: nil) == ["-bios", "/s/bios-256k.bin"])
        let uefi = Firmware(kind: .uefi, code: "/o/CODE.fd", variablesTemplate: "/o/VARS.fd")
        #expect(
            uefi.qemuArguments(variableStore: "/vm/vars.fd") == [
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/o/CODE.fd",
                "-drive", "if=pflash,format=raw,unit=1,file=/vm/vars.fd"
            ])
    }

    @Test func variableStoreIsAPrivateCopy() throws {
        let root = try fakeRoot(["/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let uefi = try Firmware.locate(.uefi, root: root)
        try uefi.makeVariableStore(at: root + "/vars.fd")
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/vars.fd")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.contents(atPath: root + "/vars.fd") == Data("fw".utf8))
    }

    @Test(arguments: [
        (DiskBoot.none, [Firmware.Kind](), Firmware.Kind?.none),
        (.bios, [.bios], .bios),
        (.uefi, [.uefi], .uefi),
        (.hybrid, [.bios, .uefi], .uefi)
    ])
    func firmwareForEachBootKind(boot: DiskBoot, verified: [Firmware.Kind], vm: Firmware.Kind?) {
        #expect(Firmware.kinds(for: boot) == verified)
        #expect(Firmware.preferred(for: boot) == vm)
    }

    @Test func debianFirmwareIsInstalledHere() throws {
        // .ci/install installs ovmf and qemu-system-x86 (which brings seabios).
        #expect(FileManager.default.fileExists(atPath: try Firmware.locate(.bios).code))
        #expect(FileManager.default.fileExists(atPath: try Firmware.locate(.uefi).code))
    }
}

/// The one-call form the VM driver uses.
@Suite struct FirmwareForVMTests {
    @Test func aVMKeepsItsOwnVariableStore() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-fwvm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for file in [
            "/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/seabios/bios-256k.bin"
        ] {
            try FileManager.default.createDirectory(
                atPath: root + (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: root + file, contents: Data("template".utf8))
        }
        let vm = root + "/vm"
        try FileManager.default.createDirectory(atPath: vm, withIntermediateDirectories: true)
        let arguments = try Firmware.qemuArguments(for: .hybrid, vmFolder: vm, root: root)
        #expect(arguments.last == "if=pflash,format=raw,unit=1,file=\(vm)/OVMF_VARS.fd")
        // What the guest wrote into its store survives a restart.
        try Data("written by the guest".utf8).write(to: URL(fileURLWithPath: vm + "/OVMF_VARS.fd"))
        _ = try Firmware.qemuArguments(for: .uefi, vmFolder: vm, root: root)
        #expect(FileManager.default.contents(atPath: vm + "/OVMF_VARS.fd") == Data("written by the guest".utf8))
        #expect(
            try Firmware.qemuArguments(for: .bios, vmFolder: vm, root: root) == [
                "-bios", root + "/usr/share/seabios/bios-256k.bin"
            ])
        #expect(try Firmware.qemuArguments(for: .none, vmFolder: vm, root: root) == [])
        #expect(throws: FirmwareError.self) { try Firmware.qemuArguments(for: .uefi, vmFolder: vm, root: vm) }
    }
}
