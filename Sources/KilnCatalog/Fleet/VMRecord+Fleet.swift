import Foundation

/// Who writes which columns of a VM in a fleet (issue 13). The leader decides: the spec, the host and why
/// (``Catalog/saveVMDecisions(_:)``). The host the VM is placed on makes and watches its machine, and writes only the
/// machine's columns, only while the VM is still placed on it (``Catalog/saveVMMachine(_:host:)``): the placement is
/// that write's fence, so a host the VM was moved away from can no longer touch it. Neither clobbers the other's
/// columns. (Statuses are the leader's too, through ``Catalog/saveStatuses(_:)``.)
extension VMRecord {
    /// What the machine is and does: written by the host the VM is placed on.
    public static let machineColumns: Set<String> = [
        "vmStatus", "guestReady", "ipAddress", "guestOs", "imageName", "imagePath", "imageSha256", "imageBoot",
        "directory", "pid", "pidStartTime", "qmpSocket", "errorCode", "errorMessage", "acceleration", "bootStartedAt",
        "readyAt", "consoleTail", "generation", "driftCount", "lastDrift", "lastDriftAt", "cloudInit",
        "userDataDigest", "bridge", "tapDevice", "macAddress", "machineSpec", "updatedAt"
    ]

    /// The columns the host writes, with their values.
    func machineColumnValues() throws -> [(String, CatalogColumnValue)] {
        try CatalogRecordEncoder.columns(of: self).filter { Self.machineColumns.contains($0.0) }
    }

    /// The columns the leader writes of a VM that stays on its host: everything but the machine's (updatedAt aside)
    /// and the id.
    func leaderColumnValues() throws -> [(String, CatalogColumnValue)] {
        try CatalogRecordEncoder.columns(of: self).filter { Self.isLeaderColumn($0.0) }
    }

    /// Whether the leader writes `column` of a VM that stays on its host (``leaderColumnValues()``).
    static func isLeaderColumn(_ column: String) -> Bool {
        column != "id" && column != "status" && (column == "updatedAt" || !machineColumns.contains(column))
    }
}

/// A machine write refused because the VM is no longer placed on the host that wrote it (moved, or deleted): the host
/// leaves the VM to whoever has it now, and removes its own leftover machine.
public struct VMPlacementFenceError: Error, CustomStringConvertible, Sendable {
    public var vm: String
    public var host: String

    public init(vm: String, host: String) {
        self.vm = vm
        self.host = host
    }

    public var description: String {
        "VirtualMachine \(vm) is no longer placed on host \(host) (moved or deleted): this host's write was refused, and it removes its leftover machine"
    }
}
