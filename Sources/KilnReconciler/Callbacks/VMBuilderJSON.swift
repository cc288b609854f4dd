import Foundation
import KilnCatalog
import KilnSpec

/// A VM in the VM builder service's own shape (`GET /vms/:id`): what its callbacks carry, so a client written for
/// that service reads them unchanged.
public enum VMBuilderJSON {
    public static func document(_ vm: VMRecord, event: CallbackDelivery.Event? = nil, now: Date = Date()) -> SpecValue {
        let spec = vm.typed
        let image: SpecValue =
            switch spec.image {
            case .named(let name): .string(name)
            case .url(let url, let sum):
                .object([
                    "url": .string(url), "checksum": .string(sum.hex), "checksum_type": .string(sum.algorithm.rawValue)
                ])
            }
        var fields: [String: SpecValue] = [
            "id": .string(vm.uuid), "image": image, "cpus": .int(spec.cpus), "memory": .string(spec.memory.normalized),
            "network_type": .string(spec.networkType.rawValue), "launch_gui": .bool(spec.launchGui),
            "ip_address": .string(vm.ipAddress ?? ""), "status": .string(vm.vmStatus.rawValue),
            "guest_os": .string(vm.guestOs ?? ""),
            "tools_init_timeout": .int(Int(spec.toolsInitTimeout.seconds))
        ]
        if event == .failed {
            let message =
                vm.errorMessage
                ?? (vm.missedBootDeadline(now: now)
                    ? "not ready \(spec.bootTimeout) after it started (bootTimeout)" : "the VM failed")
            fields["error"] = .object(["code": .string(vm.errorCode ?? "internal"), "message": .string(message)])
        }
        return .object(fields)
    }
}
