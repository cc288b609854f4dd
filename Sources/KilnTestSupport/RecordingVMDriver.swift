import Foundation
import KilnCatalog
import KilnReconciler

/// A VM driver for tests: machines are records in memory (and a disk file in their folder), every call is recorded.
public actor RecordingVMDriver: VMDriver {
    public private(set) var calls: [String] = []
    var machines: [String: VMRecord.Status] = [:]
    var failing: [String: ActionFailure] = [:]

    public init() {}

    /// Makes every call for this VM throw a transient error (nil: stop failing).
    public func fail(_ name: String, _ message: String?) {
        failing[name] = message.map { ActionFailure(.driverError, $0) }
    }

    /// Makes every call for this VM throw `failure` (a terminal one, say).
    public func fail(_ name: String, _ failure: ActionFailure) { failing[name] = failure }

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

    public func provision(_ vm: VMRecord, image: ImageRecord, directory: String, start: Bool) async throws -> VMObservation {
        try check(vm, "provision")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "overlay of \(image.path ?? "")".write(toFile: "\(directory)/disk.qcow2", atomically: true, encoding: .utf8)
        let status: VMRecord.Status = start ? .poweredOn : .poweredOff
        machines[vm.name] = status
        return VMObservation(status: status, ready: start)
    }

    public func start(_ vm: VMRecord) async throws -> VMObservation {
        try check(vm, "start")
        machines[vm.name] = .poweredOn
        return VMObservation(status: .poweredOn, ready: true)
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
        let status = machines[vm.name] ?? .poweredOff
        return VMObservation(status: status, ready: status == .poweredOn)
    }
}
