import Foundation
import KilnReconciler

/// A VM's tap device on a bridge (`networkType: hostonly` or `bridged`): named and addressed after the VM's uuid, so
/// a VM made again gets a device and a MAC address of its own, and dnsmasq's leases can be told apart per VM.
///
/// Kiln makes the device before qemu starts (a persistent tap, so qemu needs no helper and no script) and deletes it
/// once qemu has ended. Its name is written into the VM's folder first, so `kiln teardown` finds it even after a crash.
struct TapDevice: Sendable, Hashable {
    var name: String
    var mac: String
    var bridge: String

    /// `k` and the uuid's first 12 hex digits (an interface name holds at most 15 bytes); the MAC is locally
    /// administered (`52:54:…`, qemu's usual prefix) with the uuid's first four bytes.
    init(uuid: String, bridge: String) {
        let hex = uuid.lowercased().filter(\.isHexDigit)
        let padded = hex.count >= 12 ? hex : hex + String(repeating: "0", count: 12 - hex.count)
        name = "k" + padded.prefix(12)
        let bytes = stride(from: 0, to: 8, by: 2).map { offset -> String in
            let start = padded.index(padded.startIndex, offsetBy: offset)
            return String(padded[start..<padded.index(start, offsetBy: 2)])
        }
        mac = (["52", "54"] + bytes).joined(separator: ":")
        self.bridge = bridge
    }

    /// qemu's network options for this device: no script, virtio.
    var qemuArguments: [String] {
        [
            "-netdev", "tap,id=net0,ifname=\(name),script=no,downscript=no",
            "-device", "virtio-net-pci,netdev=net0,mac=\(mac)"
        ]
    }

    /// Whether an interface of that name exists in this network namespace.
    static func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/\(name)")
    }

    /// Whether `name` is a Linux bridge in this network namespace.
    static func isBridge(_ name: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: "/sys/class/net/\(name)/bridge", isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    /// Makes the device (unless it is there from an earlier start) and puts it up on the bridge.
    func create() async throws {
        if !Self.exists(name) {
            try await Tool.run("ip", ["tuntap", "add", "dev", name, "mode", "tap"])
        }
        try await Tool.run("ip", ["link", "set", "dev", name, "master", bridge, "up"])
    }

    /// Deletes a device Kiln made; one already gone is no error.
    static func delete(_ name: String) async throws {
        guard exists(name) else { return }
        try await Tool.run("ip", ["link", "delete", "dev", name])
    }

    /// The device recorded in a VM's folder, deleted, and the record with it.
    static func deleteRecorded(in files: QemuVMDriver.Files) async throws {
        guard
            let name = try? String(contentsOfFile: files.tap, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty
        else { return }
        // Only a name Kiln could have made: the record is a file in a folder, not a command.
        guard name.count <= 15, name.hasPrefix("k"), name.dropFirst().allSatisfy(\.isHexDigit) else { return }
        try await delete(name)
        try? FileManager.default.removeItem(atPath: files.tap)
    }
}
