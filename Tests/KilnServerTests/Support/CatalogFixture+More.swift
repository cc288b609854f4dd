import Foundation
import KilnCatalog
import KilnSpec

extension CatalogFixture {
    /// More builds like busybox, under other names, created one second apart after the fixture's own.
    func addBuilds(_ names: [String], spec: SpecValue? = nil) async throws {
        let base = try require(try await catalog.state().builds["busybox"])
        for (i, name) in names.enumerated() {
            let at = Self.at.addingTimeInterval(Double(i + 1))
            _ = try await catalog.saveBuild(
                BuildRecord(
                    name: name, spec: spec ?? base.spec, specHash: base.specHash, contentHash: base.contentHash,
                    inputsHash: base.inputsHash, runToken: nil, revision: base.revision, file: "builds/\(name).yaml",
                    line: 1,
                    createdAt: at, updatedAt: Self.at.addingTimeInterval(Double(1000 - i)), status: base.status))
        }
    }

    /// More images, each a copy of busybox's with the given spec fields changed.
    func addImages(_ images: [(name: String, spec: [String: SpecValue])]) async throws {
        let base = try require(try await catalog.state().images["busybox"])
        for image in images {
            var spec = base.spec.object ?? [:]
            for (key, value) in image.spec { spec[key] = value }
            _ = try await catalog.saveImage(
                ImageRecord(
                    name: image.name, spec: .object(spec), specHash: base.specHash, contentHash: base.contentHash,
                    state: .queued, version: 0, revision: base.revision, file: "images/\(image.name).yaml", line: 1,
                    createdAt: Self.at, updatedAt: Self.at))
        }
    }
}

/// `#require` outside a test body, for fixture code.
func require<T>(_ value: T?, _ what: String = "a value") throws -> T {
    guard let value else { throw BodyError(description: "missing \(what)") }
    return value
}
