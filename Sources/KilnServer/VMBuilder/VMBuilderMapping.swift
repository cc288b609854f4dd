import KilnCatalog
import KilnSpec

/// Catalog VMs in the VM builder service's shape: `id` (a UUID), `image {url, checksum, checksum_type}`, `cpus`,
/// `memory` in normalised IEC units (`1.0gib`), `network_type`, `launch_gui`, `ip_address`, `status`, `guest_os`,
/// `tools_init_timeout` in whole seconds.
public enum VMBuilderMapping {
    public static let statuses = ["waiting", "creating", "powered-on", "powered-off", "failed", "deleting"]

    public static func vm(_ record: VMRecord, snapshot: ReadSnapshot, base: String) -> SpecValue {
        let spec = record.typed
        let image: SpecValue
        switch spec.image {
        case .named(let name):
            let sha256 = record.imageSha256 ?? snapshot.image(named: name)?.sha256
            image = .object([
                "url": .string("\(base)/kiln/v1/images/\(name)/download"),
                "checksum": sha256.map(SpecValue.string) ?? .null,
                "checksum_type": .string("sha256"),
            ])
        case .url(let url, let checksum):
            image = .object(["url": .string(url), "checksum": .string(checksum.hex),
                             "checksum_type": .string(checksum.algorithm.rawValue)])
        }
        return .object([
            "id": .string(record.uuid),
            "name": .string(record.name),
            "image": image,
            "cpus": .int(spec.cpus),
            "memory": .string(spec.memory.normalized),
            "network_type": .string(spec.networkType.rawValue),
            "launch_gui": .bool(spec.launchGui),
            "ip_address": .string(record.ipAddress ?? ""),
            "status": .string(record.vmStatus.rawValue),
            "guest_os": .string(record.guestOs ?? ""),
            "tools_init_timeout": .int(Int(spec.toolsInitTimeout.seconds.rounded())),
        ])
    }
}
