import Foundation
import KilnCatalog
import KilnPlanner
import KilnSpec

/// The content of status files (`<data-dir>/status/<kind>/<name>.yaml`, `status/sync.yaml`), also what
/// `kiln get -o yaml|json` prints. Field names follow the seed APIs; secrets are masked.
public enum StatusDocument {
    public static func time(_ date: Date?) -> SpecValue {
        guard let date else { return .null }
        return .string(iso8601(date))
    }

    public static func iso8601(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false)
                .timeSeparator(.colon).timeZone(separator: .omitted))
    }

    static func conditions(_ status: ObjectStatus) -> SpecValue {
        .list(
            status.conditions.map { c in
                .object([
                    "type": .string(c.type.rawValue), "status": .string(c.status ? "True" : "False"),
                    "reason": .string(c.reason), "message": .string(c.message),
                    "lastTransitionTime": time(c.lastTransitionTime)
                ])
            })
    }

    static func header(
        _ kind: Kind, _ name: String, file: String, line: Int, status: ObjectStatus,
        notes: [Note]
    ) -> [(String, SpecValue)] {
        var out: [(String, SpecValue)] = [
            ("apiVersion", .string(Kind.apiVersion)), ("kind", .string(kind.rawValue)), ("name", .string(name)),
            ("source", .string("\(file):\(line)")),
            ("observedRevision", status.observedRevision.map(SpecValue.string) ?? .null),
            ("observedSpecHash", status.observedSpecHash.map(SpecValue.string) ?? .null),
            ("conditions", conditions(status))
        ]
        if !notes.isEmpty {
            out.append(
                (
                    "notes",
                    .list(
                        notes.map { .object(["reason": .string($0.reason.rawValue), "message": .string($0.message)]) })
                ))
        }
        return out
    }

    /// One execution in the Morpheus shape.
    public static func execution(_ e: ExecutionRecord, images: [VirtualImageRecord]) -> SpecValue {
        var fields: [String: SpecValue] = [
            "id": .int(Int(e.id ?? 0)), "buildNumber": .int(e.buildNumber), "status": .string(e.status.rawValue),
            "statusMessage": e.statusMessage.map(SpecValue.string) ?? .null, "statusPercent": .double(e.statusPercent),
            "statusEta": e.statusEta.map(SpecValue.double) ?? .null, "startDate": time(e.startDate),
            "endDate": time(e.endDate),
            "errorMessage": e.errorMessage.map(SpecValue.string) ?? .null,
            "createdBy": .object(["username": .string(e.createdBy)]), "revision": .string(e.revision),
            "reason": .string(e.reason),
            "virtualImages": .list(
                images.sorted { $0.format < $1.format }.map { vi in
                    .object([
                        "id": .int(Int(vi.id ?? 0)), "name": .string(vi.name), "format": .string(vi.format),
                        "path": .string(vi.path), "size": .int(Int(vi.size)), "sha256": .string(vi.sha256)
                    ])
                })
        ]
        if let reused = e.reusedFrom { fields["reusedFrom"] = .int(Int(reused)) }
        return .object(fields)
    }

    public static func build(_ record: BuildRecord, state: CatalogState, notes: [Note]) -> [(String, SpecValue)] {
        let executions = state.executions[record.name] ?? []
        var out = header(
            .imageBuild, record.name, file: record.file, line: record.line, status: record.status, notes: notes)
        let rendered = executions.reversed().map { execution($0, images: state.virtualImages[$0.id ?? -1] ?? []) }
        out.append(("executionCount", .int(executions.count)))
        out.append(("lastResult", rendered.first ?? .null))
        out.append(("executions", .list(Array(rendered))))
        out.append(("spec", SecretMasker.masked(spec: record.spec, kind: .imageBuild)))
        return out
    }

    public static func image(_ record: ImageRecord, notes: [Note]) -> [(String, SpecValue)] {
        var out = header(.image, record.name, file: record.file, line: record.line, status: record.status, notes: notes)
        out += [
            ("state", .string(record.state.rawValue)), ("version", .int(record.version)),
            ("format", record.format.map(SpecValue.string) ?? .null),
            ("path", record.path.map(SpecValue.string) ?? .null),
            ("sha256", record.sha256.map(SpecValue.string) ?? .null),
            ("spec", SecretMasker.masked(spec: record.spec, kind: .image))
        ]
        return out
    }

    /// What became of the guest agent Kiln waits for (`toolsInitTimeout` above zero): nil while it has not been asked
    /// for long, or when the spec waits for none.
    static func guestAgent(_ record: VMRecord, now: Date) -> String? {
        let wait = record.typed.toolsInitTimeout
        guard wait.milliseconds > 0, record.vmStatus == .poweredOn else { return nil }
        if let os = record.guestOs { return "answered: \(os)" }
        guard let started = record.bootStartedAt, now.timeIntervalSince(started) > wait.seconds else { return nil }
        return
            "missing: no answer from qemu-guest-agent within toolsInitTimeout (\(wait)); install and start it in the image, or set toolsInitTimeout: 0s"
    }

    /// Where the VM's network is: for `nat` its forwards (on the host's loopback); for `hostonly` and `bridged` the
    /// bridge, the tap device and the MAC address (null until the VM first runs).
    static func network(_ record: VMRecord, _ spec: VirtualMachineSpec) -> SpecValue {
        var out: [String: SpecValue] = ["type": .string(spec.networkType.rawValue)]
        switch spec.networkType {
        case .nat:
            out["forwards"] = .list(
                spec.forwards.map {
                    .object(["host": .string("127.0.0.1:\($0.host)"), "guest": .int($0.guest)])
                })
        case .hostonly, .bridged:
            out["bridge"] = record.bridge.map(SpecValue.string) ?? .null
            out["tap"] = record.tapDevice.map(SpecValue.string) ?? .null
            out["mac"] = record.macAddress.map(SpecValue.string) ?? .null
        }
        return .object(out)
    }

    public static func vm(
        _ record: VMRecord, notes: [Note], callbacks: [CallbackDelivery] = [], now: Date = Date()
    ) -> [(String, SpecValue)] {
        let spec = record.typed
        var out = header(
            .virtualMachine, record.name, file: record.file, line: record.line, status: record.status, notes: notes)
        let image: SpecValue =
            switch spec.image {
            case .named(let n): .string(n)
            case .url(let url, let sum):
                .object([
                    "url": .string(url), "checksum": .string(sum.hex), "checksum_type": .string(sum.algorithm.rawValue)
                ])
            }
        out += [
            ("id", .string(record.uuid)), ("status", .string(record.vmStatus.rawValue)), ("image", image),
            ("cpus", .int(spec.cpus)), ("memory", .string(spec.memory.normalized)),
            ("networkType", .string(spec.networkType.rawValue)),
            ("launchGui", .bool(spec.launchGui)), ("powerState", .string(spec.powerState.rawValue)),
            ("ipAddress", .string(record.ipAddress ?? "")), ("guestOs", .string(record.guestOs ?? "")),
            ("toolsInitTimeout", .string(spec.toolsInitTimeout.description)),
            ("bootTimeout", .string(spec.bootTimeout.description)),
            ("acceleration", record.acceleration.map(SpecValue.string) ?? .null),
            ("network", network(record, spec)),
            ("host", record.host.map(SpecValue.string) ?? .null)
        ]
        if let reason = record.placementReason { out.append(("placementReason", .string(reason))) }
        if record.driftCount > 0 {
            out.append(
                (
                    "drift",
                    .object([
                        "count": .int(record.driftCount), "last": .string(record.lastDrift ?? ""),
                        "at": time(record.lastDriftAt)
                    ])
                ))
        }
        if let agent = guestAgent(record, now: now) { out.append(("guestAgent", .string(agent))) }
        if record.cloudInit {
            let userData = spec.userDataPath.map { ", user-data from \($0)" } ?? ""
            out.append(("cloudInit", .string("NoCloud seed (seed.img), instance id \(record.uuid)\(userData)")))
        }
        if !record.guestReady, let tail = record.consoleTail {
            out.append(("consoleTail", .string(tail)))
        }
        if let url = spec.callbackUrl {
            let attempts = callbacks.filter { $0.vmUuid == record.uuid && $0.generation == record.generation }
            let state =
                attempts.contains(where: \.delivered)
                ? "delivered"
                : attempts.contains(where: \.refused)
                    ? "refused"
                    : attempts.contains(where: { !$0.finished }) ? "sending" : attempts.isEmpty ? "waiting" : "retrying"
            var callback: [String: SpecValue] = [
                "url": .string(url), "state": .string(state), "attempts": .int(attempts.count)
            ]
            if let last = attempts.last {
                callback["at"] = time(last.at)
                callback["result"] = .string(last.delivered ? "HTTP \(last.httpStatus ?? 0)" : last.error ?? "")
            }
            out.append(("callback", .object(callback)))
        }
        if spec.launchGui {
            out.append(
                (
                    "gui",
                    .string("not shown: this host runs qemu headless (-display none), so launchGui opens no window")
                ))
        }
        if let code = record.errorCode {
            out.append(("error", .object(["code": .string(code), "message": .string(record.errorMessage ?? "")])))
        }
        out.append(("spec", SecretMasker.masked(spec: record.spec, kind: .virtualMachine)))
        return out
    }

    public static func sync(_ s: SyncRecord, unownedVMFolders: [String] = []) -> [(String, SpecValue)] {
        func opt(_ v: String?) -> SpecValue { v.map(SpecValue.string) ?? .null }
        var refused: SpecValue = .null
        if let commit = s.refusedCommit {
            refused = .object([
                "commit": .string(commit), "author": opt(s.refusedAuthor), "message": opt(s.refusedMessage),
                "reason": opt(s.refusedReason?.rawValue), "at": time(s.refusedAt),
                "errors": .list(s.refusedErrors.map { .string($0.description) }),
                "deletions": .list(s.refusedDeletions.map(SpecValue.string)),
                "detail": opt(s.refusedDetail)
            ])
        }
        return [
            ("source", .string(s.source)), ("branch", .string(s.branch)), ("path", .string(s.specRoot)),
            ("lastSeen", .object(["commit": opt(s.lastSeenCommit), "at": time(s.lastSeenAt)])),
            (
                "lastApplied",
                .object([
                    "commit": opt(s.lastAppliedCommit), "author": opt(s.lastAppliedAuthor),
                    "message": opt(s.lastAppliedMessage), "at": time(s.lastAppliedAt)
                ])
            ),
            ("refused", refused),
            ("lastRun", .object(["at": time(s.lastRunAt), "result": opt(s.lastRunResult)]))
        ]
            + (unownedVMFolders.isEmpty
                ? []
                : [
                    ("unownedVMFolders", .list(unownedVMFolders.map(SpecValue.string)))
                ])
    }
}
