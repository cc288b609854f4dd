import KilnCatalog
import KilnReconciler
import KilnSpec

/// What changed between two snapshots, as events: an execution's progress or state (`execution`), an object's
/// Ready condition or visible state (`object`), an object gone (`object` with `deleted`), and the sync state (`sync`).
/// Pure, so each rule is table-tested.
public enum EventMapping {
    public static func events(from old: ReadSnapshot, to new: ReadSnapshot) -> [(String, SpecValue)] {
        var out: [(String, SpecValue)] = []
        // Executions: new ones, and ones whose state or progress moved.
        var before: [Int64: ExecutionRecord] = [:]
        for list in old.state.executions.values { for e in list { if let id = e.id { before[id] = e } } }
        for build in new.builds {
            for e in new.executions(of: build.name) {
                let earlier = e.id.flatMap { before[$0] }
                guard earlier.map({ !sameProgress($0, e) }) ?? true else { continue }
                var data = MorpheusMapping.execution(e, build: build, snapshot: new).object ?? [:]
                data["build"] = .string(build.name)
                out.append(("execution", .object(data)))
            }
        }
        // Objects.
        for build in new.builds where old.build(named: build.name).map({ $0.status != build.status }) ?? true {
            out.append(("object", object(.imageBuild, build.name, build.status, [:])))
        }
        for image in new.images {
            let earlier = old.image(named: image.name)
            if earlier.map({ $0.status != image.status || $0.state != image.state || $0.version != image.version })
                ?? true
            {
                out.append(
                    (
                        "object",
                        object(
                            .image, image.name, image.status,
                            [
                                "state": .string(image.state.rawValue),
                                "version": .int(image.version)
                            ])
                    ))
            }
        }
        for vm in new.vms {
            let earlier = old.vm(named: vm.name)
            if earlier.map({ $0.status != vm.status || $0.vmStatus != vm.vmStatus || $0.ipAddress != vm.ipAddress })
                ?? true
            {
                out.append(
                    (
                        "object",
                        object(
                            .virtualMachine, vm.name, vm.status,
                            [
                                "status": .string(vm.vmStatus.rawValue), "ipAddress": .string(vm.ipAddress ?? ""),
                                "guestOs": .string(vm.guestOs ?? "")
                            ])
                    ))
            }
        }
        for build in old.builds where new.build(named: build.name) == nil {
            out.append(("object", deleted(.imageBuild, build.name)))
        }
        for image in old.images where new.image(named: image.name) == nil {
            out.append(("object", deleted(.image, image.name)))
        }
        for vm in old.vms where new.vm(named: vm.name) == nil {
            out.append(("object", deleted(.virtualMachine, vm.name)))
        }
        if old.state.sync != new.state.sync {
            out.append(("sync", .object(Dictionary(uniqueKeysWithValues: StatusDocument.sync(new.state.sync)))))
        }
        return out
    }

    static func sameProgress(_ a: ExecutionRecord, _ b: ExecutionRecord) -> Bool {
        a.status == b.status && a.statusPercent == b.statusPercent && a.statusMessage == b.statusMessage
            && a.statusEta == b.statusEta && a.errorMessage == b.errorMessage && a.endDate == b.endDate
    }

    static func object(_ kind: Kind, _ name: String, _ status: ObjectStatus, _ extra: [String: SpecValue]) -> SpecValue
    {
        let ready = status.condition(.ready)
        var fields = extra
        fields["kind"] = .string(kind.rawValue)
        fields["name"] = .string(name)
        fields["ready"] = .bool(ready?.status ?? false)
        fields["reason"] = .string(ready?.reason ?? "")
        fields["message"] = .string(ready?.message ?? "")
        return .object(fields)
    }

    static func deleted(_ kind: Kind, _ name: String) -> SpecValue {
        .object(["kind": .string(kind.rawValue), "name": .string(name), "deleted": .bool(true)])
    }
}
