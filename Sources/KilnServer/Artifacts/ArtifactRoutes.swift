import Foundation
import Hummingbird
import KilnCatalog
import KilnQuery

/// Downloads (UForge's machine-image download, read-only): an Image's current file, and any artifact of an execution.
/// Both are found through the catalog only: a request names objects, never paths.
struct ArtifactRoutes {
    static func add(to router: Router<KilnRequestContext>, reads: ReadRoutes) {
        router.get("/kiln/v1/images/:name/download") { request, context in
            let snapshot = try await reads.snapshot()
            let name = context.parameters.get("name") ?? ""
            guard let image = snapshot.image(named: name) else {
                throw APIError.notFound("image-not-found", "no image named \(QueryParameters.echo(name))")
            }
            guard let path = image.path, let sha256 = image.sha256 else {
                throw APIError(
                    .notFound, code: "image-not-ready",
                    "image \(name) has no file yet (state \(image.state.rawValue)); its status says why")
            }
            let file = FileAnswer(path: path, sha256: sha256, fileName: (path as NSString).lastPathComponent)
            return try await file.response(to: request, context: context)
        }
        router.get("/kiln/v1/image-builds/:name/executions/:number/artifacts/:file") { request, context in
            let snapshot = try await reads.snapshot()
            let name = context.parameters.get("name") ?? ""
            let numberText = context.parameters.get("number") ?? ""
            let fileName = context.parameters.get("file") ?? ""
            guard let build = snapshot.build(named: name) else {
                throw APIError.notFound("image-build-not-found", "no image build named \(QueryParameters.echo(name))")
            }
            guard let number = Int(numberText),
                let execution = snapshot.executions(of: build.name).first(where: { $0.buildNumber == number })
            else {
                throw APIError.notFound(
                    "execution-not-found", "image build \(name) has no execution \(QueryParameters.echo(numberText))")
            }
            // The resolved package list of a Debian build is kept in the catalog itself.
            if fileName == PackageList.fileName, let packages = execution.packages {
                return PackageList.rendered(packages).response(to: request)
            }
            let artifacts = snapshot.virtualImages(of: execution)
            guard let artifact = artifacts.first(where: { ($0.path as NSString).lastPathComponent == fileName }) else {
                let names =
                    artifacts.map { ($0.path as NSString).lastPathComponent }
                    + (execution.packages == nil ? [] : [PackageList.fileName])
                throw APIError.notFound(
                    "artifact-not-found",
                    "execution \(number) of \(name) has no artifact \(QueryParameters.echo(fileName)); it has: \(names.isEmpty ? "none" : names.joined(separator: ", "))"
                )
            }
            let file = FileAnswer(path: artifact.path, sha256: artifact.sha256, fileName: fileName)
            return try await file.response(to: request, context: context)
        }
    }
}
