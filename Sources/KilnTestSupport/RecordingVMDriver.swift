import Foundation
import KilnCatalog
import KilnReconciler
import KilnSpec

/// A VM driver for tests: machines are records in memory (and a disk file in their folder), every call is recorded.
public actor RecordingVMDriver: VMDriver {
    public private(set) var calls: [String] = []
    var machines: [String: VMRecord.Status] = [:]
    var failing: [String: ActionFailure] = [:]
    var neverReady: Set<String> = []
    /// A made-up process per start, so that a restart looks like a new process, as with qemu.
    var processes: [String: WorkerProcess] = [:]
    var nextPid: Int32 = 40_000
    /// The address each running machine's guest reports (its agent or DHCP lease); a new process has none yet.
    var addresses: [String: String] = [:]
    /// The OS each running machine's guest agent reports; a new process has none yet.
    var guestSystems: [String: String] = [:]
    /// Where each running machine's card is plugged (hostonly, bridged).
    var attachments: [String: VMNetworkAttachment] = [:]
    /// The user-data each VM was last provisioned with.
    public private(set) var userDataSeen: [String: CloudInitUserData?] = [:]

    public init() {}

    /// Makes every call for this VM throw a transient error (nil: stop failing).
    public func fail(_ name: String, _ message: String?) {
        failing[name] = message.map { ActionFailure(.driverError, $0) }
    }

    /// Makes every call for this VM throw `failure` (a terminal one, say).
    public func fail(_ name: String, _ failure: ActionFailure) { failing[name] = failure }

    /// Makes the guest of a running machine report `address` (as its agent or a DHCP lease would), until it restarts.
    public func report(_ name: String, address: String?) { addresses[name] = address }

    /// Makes the guest agent of a running machine report `guestOs` (as guest-get-osinfo would), until it restarts.
    public func report(_ name: String, guestOs: String?) { guestSystems[name] = guestOs }

    /// Makes a running machine report its card plugged into `attachment` (nil: user-mode NAT).
    public func plug(_ name: String, _ attachment: VMNetworkAttachment?) { attachments[name] = attachment }

    /// Makes a machine boot without ever becoming ready (its console says so).
    public func neverReady(_ name: String) { neverReady.insert(name) }

    func observation(_ name: String, _ status: VMRecord.Status) -> VMObservation {
        let ready = status == .poweredOn && !neverReady.contains(name)
        return VMObservation(
            status: status, process: status == .poweredOn ? processes[name] : nil,
            ipAddress: status == .poweredOn ? addresses[name] : nil,
            guestOs: status == .poweredOn ? guestSystems[name] : nil, ready: ready,
            message: status == .poweredOff ? "its process is gone" : nil,
            acceleration: status == .poweredOn ? "tcg" : nil,
            consoleTail: ready ? nil : "SeaBIOS\nBooting from Hard Disk...",
            network: status == .poweredOn ? attachments[name] : nil)
    }

    func newProcess(_ name: String) {
        nextPid += 1
        processes[name] = WorkerProcess(pid: nextPid, startTime: UInt64(nextPid))
        addresses[name] = nil
        guestSystems[name] = nil
    }

    /// Changes a machine behind Kiln's back (it stopped, or crashed).
    public func set(_ name: String, _ status: VMRecord.Status) { machines[name] = status }

    public func status(_ name: String) -> VMRecord.Status? { machines[name] }

    func check(_ vm: VMRecord, _ call: String) throws {
        calls.append("\(call) \(vm.name)")
        if let failure = failing[vm.name] {
            if failure.reason == .driverError { throw RecordingDriverError(message: failure.message) }
            throw failure
        }
    }

    public func provision(
        _ vm: VMRecord, image: ImageRecord, directory: String, start: Bool,
        userData: CloudInitUserData?
    ) async throws -> VMObservation {
        try check(vm, "provision")
        userDataSeen[vm.name] = userData
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "overlay of \(image.path ?? "")".write(toFile: "\(directory)/disk.qcow2", atomically: true, encoding: .utf8)
        let status: VMRecord.Status = start ? .poweredOn : .poweredOff
        machines[vm.name] = status
        if start { newProcess(vm.name) }
        return observation(vm.name, status)
    }

    public func start(_ vm: VMRecord) async throws -> VMObservation {
        try check(vm, "start")
        if machines[vm.name] != .poweredOn { newProcess(vm.name) }
        machines[vm.name] = .poweredOn
        return observation(vm.name, .poweredOn)
    }

    public func stop(_ vm: VMRecord) async throws -> VMObservation {
        try check(vm, "stop")
        machines[vm.name] = .poweredOff
        return VMObservation(status: .poweredOff)
    }

    public func destroy(_ vm: VMRecord) async throws {
        try check(vm, "destroy")
        machines[vm.name] = nil
    }

    public func observe(_ vm: VMRecord) async -> VMObservation {
        observation(vm.name, machines[vm.name] ?? .poweredOff)
    }
}
