import Foundation
import Hummingbird
import KilnCatalog
import KilnQuery
import KilnSpec

/// Morpheus image builds: `/api/image-builds`, one build, its executions, and an execution's log.
struct MorpheusRoutes {
    static let sortFields = ["name", "id", "dateCreated", "lastUpdated"]
    static let statuses = ExecutionRecord.Status.allCases.map(\.rawValue)

    static func add(to router: Router<KilnRequestContext>, reads: ReadRoutes) {
        reads.get(router, "/api/image-builds") { read throws(APIError) in
            .json(try list(read))
        }
        reads.get(router, "/api/image-builds/:id") { read throws(APIError) in
            .json(try detail(read))
        }
        reads.get(router, "/api/image-builds/:id/list-executions") { read throws(APIError) in
            .json(try executions(read))
        }
    }

    static func build(_ read: ReadRequest) throws(APIError) -> BuildRecord {
        let id = read.parameter("id")
        guard let build = read.snapshot.build(idOrName: id) else {
            throw .notFound("image-build-not-found", "no image build with id or name \(QueryParameters.echo(id))")
        }
        return build
    }

    static func list(_ read: ReadRequest) throws(APIError) -> SpecValue {
        let paging = try read.paging()
        let sort = try read.choice("sort", sortFields) ?? "name"
        let descending = try read.choice("direction", ["asc", "desc"]) == "desc"
        var builds = read.snapshot.builds
        if let name = read.query["name"] { builds = builds.filter { $0.name == name } }
        if let phrase = read.query["phrase"] {
            builds = builds.filter { $0.name.range(of: phrase, options: .caseInsensitive) != nil }
        }
        builds = sorted(builds, by: sort, descending: descending)
        let page = paging.page(builds).map { build in
            MorpheusMapping.build(build, executions: read.snapshot.executions(of: build.name), snapshot: read.snapshot)
        }
        return .object([
            "imageBuilds": .list(page),
            "meta": MorpheusMapping.meta(size: page.count, total: builds.count, offset: paging.offset, max: paging.max)
        ])
    }

    /// Builds in the asked order; the name breaks ties, so that equal state always gives equal pages.
    static func sorted(_ builds: [BuildRecord], by field: String, descending: Bool) -> [BuildRecord] {
        func less(_ a: BuildRecord, _ b: BuildRecord) -> Bool {
            switch field {
            case "id": (a.id ?? 0, a.name) < (b.id ?? 0, b.name)
            case "dateCreated": (a.createdAt, a.name) < (b.createdAt, b.name)
            case "lastUpdated": (a.updatedAt, a.name) < (b.updatedAt, b.name)
            default: a.name < b.name
            }
        }
        return builds.sorted { descending ? less($1, $0) : less($0, $1) }
    }

    static func detail(_ read: ReadRequest) throws(APIError) -> SpecValue {
        let build = try build(read)
        let executions = read.snapshot.executions(of: build.name)
        return .object([
            "imageBuild": MorpheusMapping.build(build, executions: executions, snapshot: read.snapshot),
            "imageBuildExecutions": .list(
                executions.suffix(100).reversed().map {
                    MorpheusMapping.execution($0, build: build, snapshot: read.snapshot)
                })
        ])
    }

    static func executions(_ read: ReadRequest) throws(APIError) -> SpecValue {
        let build = try build(read)
        let paging = try read.paging()
        var executions = Array(read.snapshot.executions(of: build.name).reversed())
        if read.query["buildNumber"] != nil {
            let number = try read.int("buildNumber", default: 0, in: 1...Int.max)
            executions = executions.filter { $0.buildNumber == number }
        }
        if let status = try read.choice("status", statuses) {
            executions = executions.filter { $0.status.rawValue == status }
        }
        let page = paging.page(executions).map { MorpheusMapping.execution($0, build: build, snapshot: read.snapshot) }
        return .object([
            "imageBuildExecutions": .list(page),
            "imageBuildExecutionCount": .int(executions.count),
            "meta": MorpheusMapping.meta(
                size: page.count, total: executions.count, offset: paging.offset, max: paging.max)
        ])
    }
}
