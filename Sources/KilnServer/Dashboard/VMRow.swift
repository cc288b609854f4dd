import KilnCatalog
import KilnSpec

/// One VirtualMachine on the dashboard: its state, address, guest OS, the image it runs, and where to read more.
struct VMRow: Sendable, Hashable {
    let name: String
    let uuid: String
    let links: ObjectLinks
    let badge: ReadyBadge
    let status: String
    let statusTone: String
    let ip: String?
    let guestOs: String?
    let image: String
    /// The image's row on this page, when the VM runs a Kiln Image.
    let imageAnchor: String?
    let size: String
    let error: String?

    init(_ vm: VMRecord) {
        name = vm.name
        uuid = vm.uuid
        links = ObjectLinks(anchorPrefix: "vm", slug: "virtualmachine", name: vm.name)
        badge = ReadyBadge(vm.status)
        status = vm.vmStatus.rawValue
        statusTone =
            switch vm.vmStatus {
            case .poweredOn: "ok"
            case .waiting, .creating, .deleting: "busy"
            case .poweredOff: "idle"
            case .failed: "bad"
            }
        ip = vm.ipAddress.flatMap { $0.isEmpty ? nil : $0 }
        guestOs = vm.guestOs.flatMap { $0.isEmpty ? nil : $0 }
        let spec = vm.typed
        switch spec.image {
        case .named(let name):
            image = name
            imageAnchor = "image-\(name)"
        case .url(let url, _):
            image = url
            imageAnchor = nil
        }
        size = "\(spec.cpus) vCPU · \(DisplayText.bytes(Int64(clamping: spec.memory.bytes)))"
        error = vm.errorMessage.map { message in vm.errorCode.map { "\($0): \(message)" } ?? message }
    }
}
