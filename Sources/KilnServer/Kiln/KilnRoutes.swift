import Foundation
import Hummingbird
import KilnCatalog
import KilnQuery
import KilnReconciler
import KilnSpec

/// Kiln's own endpoints under `/kiln/v1/`: sync, status, lineage, plan and the spec documentation.
struct KilnRoutes {
    static func add(
        to router: Router<KilnRequestContext>, reads: ReadRoutes, health: ServerHealth, plan: (any PlanSource)?,
        fleet: FleetStatus
    ) {
        router.get("/kiln/v1/sync") { request, _ in
            let snapshot = try await reads.snapshot()
            var fields = Dictionary(uniqueKeysWithValues: StatusDocument.sync(snapshot.state.sync))
            fields["nextPass"] = StatusDocument.time(await health.nextPassAt)
            for (key, value) in fleet.leaderFields() where key != "role" && key != "host" { fields[key] = value }
            return Rendered.json(.object(fields), pretty: true).response(to: request)
        }
        router.get("/kiln/v1/hosts") { request, _ in
            let vms = (try? await reads.snapshot())?.vms ?? []
            return Rendered.json(await fleet.hostsDocument(vms: vms), pretty: true).response(to: request)
        }
        reads.get(router, "/kiln/v1/status/:kind/:name") { read throws(APIError) in
            let kind = try kind(read)
            let name = read.parameter("name")
            let state = read.snapshot.state
            let document: [(String, SpecValue)]? =
                switch kind {
                case .imageBuild: state.builds[name].map { StatusDocument.build($0, state: state, notes: []) }
                case .image: state.images[name].map { StatusDocument.image($0, notes: []) }
                case .virtualMachine: state.vms[name].map { StatusDocument.vm($0, notes: []) }
                }
            guard let document else { throw notFound(kind, name) }
            return .json(.object(Dictionary(uniqueKeysWithValues: document)), pretty: true)
        }
        reads.get(router, "/kiln/v1/lineage/:kind/:name") { read throws(APIError) in
            let kind = try kind(read)
            let name = read.parameter("name")
            guard let lineage = LineageMapping.lineage(kind, name, snapshot: read.snapshot) else {
                throw notFound(kind, name)
            }
            return .json(lineage, pretty: true)
        }
        reads.get(router, "/kiln/v1/docs/:kind") { read throws(APIError) in
            let kind = try kind(read)
            return .json(JSONSchemaWriter.document(kind), pretty: true)
        }
        router.get("/kiln/v1/plan") { request, _ in
            guard let plan else {
                throw APIError(
                    .serviceUnavailable, code: "no-plan", "this server was started without a git source to plan from")
            }
            return Rendered.json(try await plan.plan(), pretty: true).response(to: request)
        }
    }

    static func kind(_ read: ReadRequest) throws(APIError) -> Kind {
        let text = read.parameter("kind")
        guard let kind = Kind(slug: text) else {
            throw APIError(
                .badRequest, code: "bad-request",
                "unknown kind \(QueryParameters.echo(text)) (imagebuild, image, virtualmachine)")
        }
        return kind
    }

    static func notFound(_ kind: Kind, _ name: String) -> APIError {
        let code =
            switch kind {
            case .imageBuild: "image-build-not-found"
            case .image: "image-not-found"
            case .virtualMachine: "vm-not-found"
            }
        return .notFound(code, "no \(kind.rawValue) named \(QueryParameters.echo(name))")
    }
}
