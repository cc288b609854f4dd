import ArgumentParser
import Foundation
import KilnCatalog
import KilnDrivers
import KilnReconciler
import KilnSpec
import KilnTestSupport
import Logging

/// `kiln-bench vms`: the drift check of a quiet pass over N running VMs, through the real qemu driver's observation
/// (pidfile, `/proc` start time and command line, one QMP `query-status` each on the monitor connection the driver
/// keeps open between passes) against stand-ins: a `tail -f` of each VM's disk file as its process and fake monitors
/// on its two QMP sockets. The reference, in the same run, is python3 asking the operator's monitors `query-status`
/// one after another (connect, greeting, `qmp_capabilities`, query), as an operator's script would.
struct VMDriftBenchmark: FigureBenchmark {
    static let configuration = CommandConfiguration(
        commandName: "vms",
        abstract: "Time a quiet pass (the drift check on every VM) over N running VMs with fake QMP endpoints.")

    @Option(help: "Running VMs.")
    var count: Int = 200

    @Option(help: "Quiet passes measured.")
    var runs: Int = 15

    static let quickArguments = ["--count", "20", "--runs", "3"]

    func run() async throws {
        FigureFormat.print(try await figures())
    }

    func figures() async throws -> [Figure] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-bench-vms-\(getpid())").path
        let paths = DataPaths(root: folder)
        try paths.prepare()
        let stand = StandIns()
        let figures: [Figure]
        do {
            figures = try await measure(paths: paths, stand: stand)
        } catch {
            await stand.stop()
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        await stand.stop()
        try? FileManager.default.removeItem(atPath: folder)
        return figures
    }

    func measure(paths: DataPaths, stand: StandIns) async throws -> [Figure] {
        let catalog = try SQLiteCatalog(path: paths.catalog)
        let builds = RecordingBuildDriver(catalog: catalog, paths: paths)
        let source = MemorySource()
        var files: [String: String] = [
            "scripts/provision.sh": "#!/bin/sh\ntrue\n", "builds/b.yaml": Specs.build("b", token: nil),
            "images/i.yaml": Specs.image("i", build: "b")
        ]
        for i in 0..<count { files["vms/v\(i).yaml"] = Specs.vm("v\(i)", image: "i", powerState: "running") }
        await source.commit("c1", files)
        let reconciler = Reconciler(
            source: source, catalog: catalog, builds: builds, vms: StandInVMDriver(stand: stand), paths: paths,
            logger: {
                var l = Logger(label: "bench")
                l.logLevel = .warning
                return l
            }())
        try await reconciler.recover()
        let settled = await reconciler.settle(timeout: .seconds(600), interval: .milliseconds(1))
        let running = settled.objects.filter { $0.key.kind == .virtualMachine && $0.value.ready }.count
        guard running == count else {
            throw ValidationError(
                "only \(running) of \(count) VMs came up: \(settled.objects.values.filter { !$0.ready }.prefix(3))")
        }
        // Warm: the first quiet passes record what the observation adds (acceleration, pids).
        for _ in 0..<3 { _ = await reconciler.pass() }

        var quiet = Measurement()
        var drifted = 0
        for _ in 0..<runs {
            let report = await quiet.time { await reconciler.pass() }
            drifted += report.drifted.count
        }
        let sockets = await stand.sockets
        await reconciler.shutdown()
        let reference = try pythonReference(sockets: sockets)
        return [
            Figure(
                "vms", "quiet pass over \(count) running VMs, drift check included", unit: .milliseconds,
                kiln: quiet.milliseconds,
                runs: quiet.runs,
                reference: .init(
                    name: "python3 asking the same \(sockets.count) operator monitors query-status one after another",
                    value: reference.milliseconds, runs: 1),
                target: .atMost(50), note: "stand-in processes and fake QMP monitors; drift found: \(drifted)")
        ]
    }

    /// python3 connecting to each monitor in turn: greeting, `qmp_capabilities`, `query-status`.
    func pythonReference(sockets: [String]) throws -> Duration {
        let script = """
            import json, socket, sys, time
            paths = sys.stdin.read().split()
            start = time.monotonic()
            for p in paths:
                s = socket.socket(socket.AF_UNIX); s.connect(p); f = s.makefile("rw")
                f.readline(); f.write('{"execute":"qmp_capabilities"}\\n'); f.flush(); f.readline()
                f.write('{"execute":"query-status"}\\n'); f.flush(); json.loads(f.readline()); s.close()
            print(time.monotonic() - start)
            """
        let result = try ChildProcess.runSync(
            "/usr/bin/python3", ["-c", script], input: Data(sockets.joined(separator: "\n").utf8))
        guard result.exitCode == 0, let seconds = Double(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw ValidationError("the python3 reference failed: \(result)")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}

/// The bench's stand-in machines: a process per VM whose command line names its disk (`tail -f DISK`), and a fake
/// monitor on its QMP socket. Ended by their recorded pids.
actor StandIns {
    var processes: [RunningProcess] = []
    var servers: [FakeQMPServer] = []
    var kilnMonitors: [FakeQMPServer] = []

    var sockets: [String] { servers.map(\.socket) }

    func start(directory: String) async throws {
        let disk = "\(directory)/disk.qcow2"
        FileManager.default.createFile(atPath: disk, contents: Data())
        let process = try RunningProcess("/usr/bin/tail", ["-f", disk])
        processes.append(process)
        try "\(process.pid)\n".write(toFile: "\(directory)/qemu.pid", atomically: true, encoding: .utf8)
        // qemu's two monitors as Kiln starts it: the operator's, and Kiln's own, which the driver keeps a connection to.
        servers.append(try await FakeQMPServer(socket: "\(directory)/qmp.sock"))
        kilnMonitors.append(try await FakeQMPServer(socket: "\(directory)/kiln-qmp.sock"))
    }

    func stop() async {
        for process in processes {
            process.kill()
            _ = await process.wait()
        }
        for server in servers + kilnMonitors { await server.close() }
        processes = []
        servers = []
        kilnMonitors = []
    }
}

/// Provisions stand-ins, and observes through the real ``QemuVMDriver`` (what a quiet pass runs for each VM).
struct StandInVMDriver: VMDriver {
    let stand: StandIns
    let qemu = QemuVMDriver()

    func provision(
        _ vm: VMRecord, image: ImageRecord, directory: String, start: Bool,
        userData: CloudInitUserData?
    ) async throws -> VMObservation {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await stand.start(directory: directory)
        var located = vm
        located.directory = directory
        return await qemu.observe(located)
    }

    func start(_ vm: VMRecord) async throws -> VMObservation { await qemu.observe(vm) }
    func stop(_ vm: VMRecord) async throws -> VMObservation { await qemu.observe(vm) }
    func destroy(_ vm: VMRecord) async throws {}
    func observe(_ vm: VMRecord) async -> VMObservation { await qemu.observe(vm) }
    func shutdown() async { await qemu.shutdown() }
}
