import KilnCatalog
import KilnReconciler
import KilnSpec

/// Catalog VMs in the VM builder service's shape: `id` (a UUID), `image {url, checksum, checksum_type}`, `cpus`,
/// `memory` in normalised IEC units (`1.0gib`), `network_type`, `launch_gui`, `ip_address`, `status`, `guest_os`,
/// `tools_init_timeout` in whole seconds; and Kiln's `name`. The fleet host a VM is placed on is not a field of that
/// one-host service (its seed has none): Kiln's own status (`/kiln/v1/status/VirtualMachine/NAME`, the status file)
/// shows it.
public enum VMBuilderMapping {
    public static let statuses = ["waiting", "creating", "powered-on", "powered-off", "failed", "deleting"]

    /// The VM as its callbacks carry it (``VMBuilderJSON``), with its `name`, and for a VM on a Kiln Image that
    /// image's download URL and sha256, so a client can fetch exactly the bits the VM runs.
    public static func vm(_ record: VMRecord, snapshot: ReadSnapshot, base: String) -> SpecValue {
        guard case .object(var fields) = VMBuilderJSON.document(record) else { return .null }
        fields["name"] = .string(record.name)
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
