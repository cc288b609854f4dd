import KilnSpec

/// `kiln get` answered by a running server: the same documents as from the data dir, each read from
/// `/kiln/v1/status/{kind}/{name}`, with the names listed by the seed APIs (`/api/image-builds`, `/rest/images`,
/// `/vms`).
struct RemoteDocuments {
    let server: RemoteServer

    func documents(_ what: Get.What, name: String?) async throws -> [[(String, SpecValue)]] {
        switch what {
        case .executions:
            let build = try await status(.builds, name ?? "")
            let executions = build.first { $0.0 == "executions" }?.1.list ?? []
            return executions.map { e in
                guard case .object(let fields) = e else { return [] }
                return fields.keys.sorted().map { ($0, fields[$0]!) }
            }
        case .hosts:
            let hosts = try await server.json("/kiln/v1/hosts")["hosts"]?.list ?? []
            return try Get.hostRows(hosts, name: name)
        case .builds, .images, .vms:
            var names = name.map { [$0] } ?? []
            if name == nil { names = try await self.names(what) }
            var documents: [[(String, SpecValue)]] = []
            for name in names { documents.append(try await status(what, name)) }
            return documents
        }
    }

    /// One object's status document, in `kiln get`'s key order.
    func status(_ what: Get.What, _ name: String) async throws -> [(String, SpecValue)] {
        let value = try await server.json("/kiln/v1/status/\(Self.slug(what))/\(RemoteServer.segment(name))")
        return DocumentOrder.ordered(value, as: what)
    }

    static func slug(_ what: Get.What) -> String {
        switch what {
        case .builds, .executions, .hosts: Kind.imageBuild.slug
        case .images: Kind.image.slug
        case .vms: Kind.virtualMachine.slug
        }
    }

    /// Every name of a kind, sorted, page by page where the API pages.
    func names(_ what: Get.What) async throws -> [String] {
        var names: [String] = []
        switch what {
        case .builds, .executions:
            while true {
                let page = try await server.json("/api/image-builds?max=1000&sort=name&offset=\(names.count)")
                let items = page["imageBuilds"]?.list ?? []
                names += items.compactMap { $0["name"]?.string }
                if items.isEmpty || names.count >= page["meta"]?["total"]?.int ?? 0 { break }
            }
        case .images:
            while true {
                let page = try await server.json(
                    "/rest/images?api-version=3&fields=name&max=1000&offset=\(names.count)")
                let items = page["results"]?.list ?? []
                names += items.compactMap { $0["name"]?.string }
                if items.isEmpty || names.count >= page["totalCount"]?.int ?? 0 { break }
            }
        case .hosts:
            names = []
        case .vms:
            names = try await server.json("/vms").list?.compactMap { $0["name"]?.string } ?? []
        }
        return names.sorted()
    }
}
