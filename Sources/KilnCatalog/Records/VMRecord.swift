import Foundation
import GRDB
import KilnSpec

/// A VirtualMachine as Kiln last applied it and saw it (the VM builder service's VM).
public struct VMRecord: Sendable, Hashable, CatalogRecord, MutablePersistableRecord, SpecDerivedRecord {
    public static let databaseTableName = "vm"

    /// The VM builder service's states, plus `waiting` while its image is not ready.
    public enum Status: String, Sendable, Hashable, Codable {
        case waiting, creating
        case poweredOn = "powered-on"
        case poweredOff = "powered-off"
        case failed, deleting
    }

    public var id: Int64?
    public var name: String
    /// The VM's id in APIs (the VM builder service uses a UUID).
    public var uuid: String
    /// The spec, its hashes, its commit, file and line, and its labels (`spec`, `specHash` … read as this record's).
    public var specFields: SpecFields
    public var vmStatus: Status
    /// Whether the guest passed its readiness probe (`ready.consoleContains`), or runs without one.
    public var guestReady: Bool
    public var ipAddress: String?
    public var guestOs: String?
    /// The Image it runs and the image file's checksum when it was created: a new image means a new VM.
    public var imageName: String?
    /// The image file the VM's disk is an overlay of: while the VM exists, that file must not be pruned.
    public var imagePath: String?
    public var imageSha256: String?
    /// How the image boots, as the catalog knew it when the VM was made (nil: read from the disk at start).
    public var imageBoot: DiskBoot?
    public var directory: String?
    public var pid: Int32?
    public var pidStartTime: UInt64?
    public var qmpSocket: String?
    public var errorCode: String?
    public var errorMessage: String?
    /// How qemu runs it: `kvm` or `tcg`.
    public var acceleration: String?
    /// When its qemu last started: the boot deadline counts from here.
    public var bootStartedAt: Date?
    /// When the guest last became ready.
    public var readyAt: Date?
    /// The serial console's last lines, kept while the guest is not ready (what a boot timeout shows).
    public var consoleTail: String?
    /// Raised each time the machine is made again (a new image, cpus, memory …): each generation gets at most one
    /// delivered callback.
    public var generation: Int
    /// How often the machine was found not as git asks (died, stopped or started behind Kiln's back) and restored.
    public var driftCount: Int
    /// What differed the last time, and when.
    public var lastDrift: String?
    public var lastDriftAt: Date?
    /// Whether the VM gets a cloud-init NoCloud seed (its image was built with `isCloudInit: true`).
    public var cloudInit: Bool = false
    /// The digest (git blob id) of the spec's `cloudInit.userData` file the seed was made from; nil without one.
    /// A different file in git means a new seed, so a new VM.
    public var userDataDigest: String?
    /// Where its network card is plugged on the host (`hostonly`, `bridged`; nil for `nat`), as last seen running:
    /// the bridge, its tap device and the MAC address qemu gives the card.
    public var bridge: String?
    public var tapDevice: String?
    public var macAddress: String?
    /// The fleet host the leader placed it on (issue 13), kept until that host is Lost, drained or cordoned, or the
    /// spec's `placement` no longer allows it; nil outside a fleet, and while it fits nowhere.
    public var host: String?
    /// Why it is on that host, or on none (`HostLost: a was lost …; moved to b`, `Unschedulable: needs 8 GiB …`).
    public var placementReason: String?
    /// In a fleet, the spec its host made the machine from (the leader may already have written a newer `spec`): the
    /// host recreates the machine when an immutable field differs. Nil outside a fleet, and before a machine is made.
    public var machineSpec: SpecValue?
    public var createdAt: Date
    public var updatedAt: Date
    public var status: ObjectStatus

    public init(
        id: Int64? = nil, name: String, uuid: String, spec: SpecValue, specHash: String, contentHash: String,
        vmStatus: Status = .waiting, guestReady: Bool = false, ipAddress: String? = nil, guestOs: String? = nil,
        imageName: String? = nil,
        imagePath: String? = nil, imageSha256: String? = nil, imageBoot: DiskBoot? = nil, directory: String? = nil,
        pid: Int32? = nil, pidStartTime: UInt64? = nil,
        qmpSocket: String? = nil, errorCode: String? = nil, errorMessage: String? = nil, acceleration: String? = nil,
        bootStartedAt: Date? = nil, readyAt: Date? = nil, consoleTail: String? = nil, generation: Int = 1,
        driftCount: Int = 0, lastDrift: String? = nil,
        lastDriftAt: Date? = nil, revision: String,
        file: String, line: Int, labels: [String: String] = [:], createdAt: Date, updatedAt: Date,
        status: ObjectStatus = ObjectStatus()
    ) {
        self.id = id
        self.name = name
        self.uuid = uuid
        specFields = SpecFields(
            spec: spec, specHash: specHash, contentHash: contentHash, revision: revision, file: file,
            line: line, labels: labels)
        self.vmStatus = vmStatus
        self.guestReady = guestReady
        self.ipAddress = ipAddress
        self.guestOs = guestOs
        self.imageName = imageName
        self.imagePath = imagePath
        self.imageSha256 = imageSha256
        self.imageBoot = imageBoot
        self.directory = directory
        self.pid = pid
        self.pidStartTime = pidStartTime
        self.qmpSocket = qmpSocket
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.acceleration = acceleration
        self.bootStartedAt = bootStartedAt
        self.readyAt = readyAt
        self.consoleTail = consoleTail
        self.generation = generation
        self.driftCount = driftCount
        self.lastDrift = lastDrift
        self.lastDriftAt = lastDriftAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.status = status
    }

    public var typed: VirtualMachineSpec { VirtualMachineSpec(spec) }

    /// Whether the guest missed its boot deadline: running, not ready, `bootTimeout` after its qemu started.
    public func missedBootDeadline(now: Date) -> Bool {
        guard vmStatus == .poweredOn, !guestReady, let started = bootStartedAt else { return false }
        return now.timeIntervalSince(started) > typed.bootTimeout.seconds
    }

    /// Whether the machine drifted (died or stopped behind Kiln's back) and is not back to ready yet.
    public var isRecoveringFromDrift: Bool {
        guard let drift = lastDriftAt, !guestReady, typed.powerState == .running else { return false }
        return readyAt.map { $0 < drift } ?? true
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
