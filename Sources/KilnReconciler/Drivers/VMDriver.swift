import KilnCatalog
import KilnSpec

/// Runs virtual machines on the host.
///
/// Every call is idempotent and keyed by the VM's folder (`<data-dir>/vms/<uuid>`): provisioning a VM whose process
/// already runs there adopts it instead of starting a second one, which is what makes a crash between "start" and
/// "record" harmless.
public protocol VMDriver: Sendable {
    /// Creates the VM's disk (a copy-on-write overlay of the image) in `directory` and, when `start`, boots it.
    /// `userData` is the spec's own cloud-init user-data (validated; secrets still references), for its seed.
    func provision(
        _ vm: VMRecord, image: ImageRecord, directory: String, start: Bool,
        userData: CloudInitUserData?
    ) async throws -> VMObservation
    func start(_ vm: VMRecord) async throws -> VMObservation
    func stop(_ vm: VMRecord) async throws -> VMObservation
    /// Stops the VM's process for good (its files are the reconciler's business).
    func destroy(_ vm: VMRecord) async throws
    /// What the VM is doing now. Cheap enough for every pass: a pidfile, `/proc`, and one monitor query with a
    /// deadline.
    func observe(_ vm: VMRecord) async -> VMObservation
    /// Lets go of what the driver keeps between passes (monitor connections); the VMs go on running.
    func shutdown() async
}

extension VMDriver {
    public func shutdown() async {}
}

/// What a VM driver sees of a VM.
public struct VMObservation: Sendable, Hashable {
    public var status: VMRecord.Status
    public var process: WorkerProcess?
    public var qmpSocket: String?
    public var ipAddress: String?
    public var guestOs: String?
    /// Whether the guest passed its readiness probe (`ready.consoleContains`), when it has one.
    public var ready: Bool
    /// What the driver saw, in words: why a machine is off (its process is gone, its monitor says paused) or failed.
    public var message: String?
    /// `kvm` or `tcg`, once known.
    public var acceleration: String?
    /// The serial console's last lines, while the guest is not ready.
    public var consoleTail: String?
    /// Where its network card is plugged (`hostonly`, `bridged`), while it runs; nil for `nat`.
    public var network: VMNetworkAttachment?

    public init(
        status: VMRecord.Status, process: WorkerProcess? = nil, qmpSocket: String? = nil, ipAddress: String? = nil,
        guestOs: String? = nil, ready: Bool = false, message: String? = nil, acceleration: String? = nil,
        consoleTail: String? = nil, network: VMNetworkAttachment? = nil
    ) {
        self.status = status
        self.process = process
        self.qmpSocket = qmpSocket
        self.ipAddress = ipAddress
        self.guestOs = guestOs
        self.ready = ready
        self.message = message
        self.acceleration = acceleration
        self.consoleTail = consoleTail
        self.network = network
    }
}

/// Where a running VM's network card is plugged on the host: a tap device on a bridge, and the card's MAC address.
public struct VMNetworkAttachment: Sendable, Hashable {
    public var bridge: String
    public var tap: String
    public var mac: String

    public init(bridge: String, tap: String, mac: String) {
        self.bridge = bridge
        self.tap = tap
        self.mac = mac
    }
}
