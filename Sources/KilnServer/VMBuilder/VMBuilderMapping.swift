import KilnCatalog
import KilnReconciler
import KilnSpec

/// Catalog VMs in the VM builder service's shape: `id` (a UUID), `image {url, checksum, checksum_type}`, `cpus`,
/// `memory` in normalised IEC units (`1.0gib`), `network_type`, `launch_gui`, `ip_address`, `status`, `guest_os`,
/// `tools_init_timeout` in whole seconds; and Kiln's `name` and fleet `host`.
public enum VMBuilderMapping {
    public static let statuses = ["waiting", "creating", "powered-on", "powered-off", "failed", "deleting"]

    /// The VM as its callbacks carry it (``VMBuilderJSON``), with its `name`, and for a VM on a Kiln Image that
    /// image's download URL and sha256, so a client can fetch exactly the bits the VM runs.
    public static func vm(_ record: VMRecord, snapshot: ReadSnapshot, base: String) -> SpecValue {
        guard case .object(var fields) = VMBuilderJSON.document(record) else { return .null }
        fields["name"] = .string(record.name)
        // Not a field of the VM builder service (one host): the fleet host Kiln placed it on, null outside a fleet.
        fields["host"] = record.host.map(SpecValue.string) ?? .null
        if case .named(let name) = record.typed.image {
            let sha256 = record.imageSha256 ?? snapshot.image(named: name)?.sha256
            fields["image"] = .object([
                "url": .string("\(base)/kiln/v1/images/\(name)/download"),
                "checksum": sha256.map(SpecValue.string) ?? .null,
                "checksum_type": .string("sha256")
            ])
        }
        return .object(fields)
    }
}
