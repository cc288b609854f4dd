import Hummingbird
import KilnQuery
import KilnSpec

/// The VM builder service: `/vms` (a bare array sorted by name, with a `status` filter) and `/vms/{id or name}`.
/// Errors use the service's own codes (`vm-not-found`, `bad-request`, `conflict`).
struct VMBuilderRoutes {
    static func add(to router: Router<KilnRequestContext>, reads: ReadRoutes) {
        reads.get(router, "/vms", vary: .host) { read throws(APIError) in
            var vms = read.snapshot.vms
            if let status = try read.choice("status", VMBuilderMapping.statuses) {
                vms = vms.filter { $0.vmStatus.rawValue == status }
            }
            return .json(.list(vms.map { VMBuilderMapping.vm($0, snapshot: read.snapshot, base: read.baseURL) }))
        }
        reads.get(router, "/vms/:id", vary: .host) { read throws(APIError) in
            let id = read.parameter("id")
            guard let vm = read.snapshot.vm(uuid: id) ?? read.snapshot.vm(named: id) else {
                throw .notFound(
                    "vm-not-found", "The requested virtual machine ID was not found: \(QueryParameters.echo(id))")
            }
            if vm.vmStatus == .deleting {
                throw APIError(.conflict, code: "conflict", "virtual machine \(vm.name) is being deleted")
            }
            return .json(VMBuilderMapping.vm(vm, snapshot: read.snapshot, base: read.baseURL))
        }
    }
}
