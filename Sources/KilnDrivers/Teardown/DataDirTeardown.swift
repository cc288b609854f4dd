import Foundation
import KilnCatalog
import KilnReconciler
import Logging

/// `kiln teardown`: stops every VM and build worker this data dir owns, each by its recorded pid and start time (or,
/// for a VM, the pidfile in its own folder and a command line naming that folder), never by a process name; then,
/// with `purge`, removes the data dir. The caller holds the data dir's lock, so no `kiln serve` runs meanwhile.
///
/// Only this data dir's machines are touched: on a catalog several hosts share, the other hosts' VMs (whose folders
/// are in their own data dirs) are left alone, and a VM placed on a host is recorded through that host's machine
/// columns (``Catalog/saveVMMachine(_:host:)``), as its host pass would.
public struct DataDirTeardown: Sendable {
    public struct Report: Sendable {
        public var stoppedVMs: [String] = []
        public var stoppedExecutions: [String] = []
        /// dnsmasq ended, tap devices and the host-only bridge deleted.
        public var network: [String] = []
        public var purged = false
    }

    let paths: DataPaths
    let catalog: any Catalog
    let builds: any BuildDriver
    let logger: Logger

    public init(
        paths: DataPaths, catalog: any Catalog, builds: any BuildDriver, logger: Logger = Logger(label: "kiln.teardown")
    ) {
        self.paths = paths
        self.catalog = catalog
        self.builds = builds
        self.logger = logger
    }

    public func run(purge: Bool) async throws -> Report {
        var report = Report()
        let state = try await catalog.state()
        let driver = QemuVMDriver()
        // VMs the catalog knows: stopped, and recorded as off (so the next Kiln restarts them without calling it drift).
        var seen: Set<String> = []
        // Tap devices are deleted once their qemu is gone.
        var tapsToDelete: [(QemuVMDriver.Files, String)] = []
        for vm in state.vms.values.sorted(by: { $0.name < $1.name }) {
            // A VM placed on a fleet host is this data dir's only when its folder is here.
            guard let directory = vm.directory, vm.host == nil || directory.hasPrefix(paths.vms + "/") else { continue }
            seen.insert(directory)
            let files = QemuVMDriver.Files(directory: directory)
            defer { tapsToDelete.append((files, "VirtualMachine \(vm.name)")) }
            guard let process = driver.runningProcess(files) else { continue }
            try await driver.end(process, files: files)
            var stopped = vm
            stopped.vmStatus = .poweredOff
            stopped.pid = nil
            stopped.pidStartTime = nil
            stopped.guestReady = false
            stopped.updatedAt = Date()
            if let host = vm.host {
                _ = try await catalog.saveVMMachine(stopped, host: host)
            } else {
                _ = try await catalog.saveVM(stopped)
            }
            report.stoppedVMs.append(vm.name)
        }
        // A qemu in a VM folder the catalog does not name (a crash between start and record): its own pidfile, checked
        // against its command line, identifies it.
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: paths.vms)) ?? [] {
            let directory = "\(paths.vms)/\(entry)"
            guard !seen.contains(directory) else { continue }
            let files = QemuVMDriver.Files(directory: directory)
            if let process = driver.runningProcess(files) {
                try await driver.end(process, files: files)
                report.stoppedVMs.append(directory)
            }
            tapsToDelete.append((files, directory))
        }
        for (files, owner) in tapsToDelete {
            if try await Self.deleteTap(files) { report.network.append("deleted the tap device of \(owner)") }
        }
        report.network += try await HostOnlyNetwork.tearDown(directory: paths.network, removeBridge: purge)
        // Build workers: asked to stop (they cancel and clean up), killed with their process group if they do not.
        for execution in state.activeExecutions.sorted(by: { $0.buildNumber < $1.buildNumber })
        where await builds.isRunning(execution) {
            await builds.cancel(execution)
            report.stoppedExecutions.append("\(execution.buildName)#\(execution.buildNumber)")
        }
        if purge {
            try FileManager.default.removeItem(atPath: paths.root)
            report.purged = true
        }
        return report
    }

    /// Deletes the VM's tap device once its qemu is gone (a running qemu still holds it); whether there was one.
    static func deleteTap(_ files: QemuVMDriver.Files) async throws -> Bool {
        guard FileManager.default.fileExists(atPath: files.tap), QemuVMDriver().runningProcess(files) == nil else {
            return false
        }
        try await TapDevice.deleteRecorded(in: files)
        return true
    }
}
