import Foundation
import KilnCatalog
import KilnSpec

/// An object's lineage: commit → spec `file:line` → build number → artifact sha256 → image → VMs, walkable both ways.
/// Upstream lists what the object came from, downstream what uses it; every Kiln object in it carries the href of its
/// own lineage, so a client walks the chain by following links.
public enum LineageMapping {
    static func href(_ kind: Kind, _ name: String) -> SpecValue { .string("/kiln/v1/lineage/\(kind.slug)/\(name)") }

    static func spec(_ kind: Kind, _ name: String, file: String, line: Int, revision: String) -> SpecValue {
        .object([
            "type": .string("spec"), "kind": .string(kind.rawValue), "name": .string(name),
            "file": .string(file), "line": .int(line), "commit": .string(revision), "lineage": href(kind, name)
        ])
    }

    static func execution(_ e: ExecutionRecord, snapshot: ReadSnapshot) -> SpecValue {
        .object([
            "type": .string("execution"), "build": .string(e.buildName), "buildNumber": .int(e.buildNumber),
            "status": .string(e.status.rawValue), "commit": .string(e.revision), "createdBy": .string(e.createdBy),
            "artifacts": .list(
                snapshot.virtualImages(of: e).map { artifact($0) } + [PackageList.lineage(e)].compactMap { $0 })
        ])
    }

    static func artifact(_ vi: VirtualImageRecord) -> SpecValue {
        let file = (vi.path as NSString).lastPathComponent
        return .object([
            "type": .string("artifact"), "file": .string(file), "format": .string(vi.format),
            "sha256": .string(vi.sha256),
            "size": .int(Int(vi.size)),
            "href": .string("/kiln/v1/image-builds/\(vi.buildName)/executions/\(vi.buildNumber)/artifacts/\(file)")
        ])
    }

    static func imageNode(_ image: ImageRecord) -> SpecValue {
        .object([
            "type": .string("image"), "name": .string(image.name), "state": .string(image.state.rawValue),
            "version": .int(image.version), "sha256": image.sha256.map(SpecValue.string) ?? .null,
            "lineage": href(.image, image.name)
        ])
    }

    static func vmNode(_ vm: VMRecord) -> SpecValue {
        .object([
            "type": .string("vm"), "name": .string(vm.name), "status": .string(vm.vmStatus.rawValue),
            "imageSha256": vm.imageSha256.map(SpecValue.string) ?? .null, "lineage": href(.virtualMachine, vm.name)
        ])
    }

    /// Images made from a build's executions, and the VMs on those images.
    static func downstream(ofBuild name: String, snapshot: ReadSnapshot) -> [SpecValue] {
        snapshot.images.filter { image in
            if case .build(let build, _)? = image.typed.source { return build == name }
            return false
        }.flatMap { [imageNode($0)] + downstream(ofImage: $0.name, snapshot: snapshot) }
    }

    static func downstream(ofImage name: String, snapshot: ReadSnapshot) -> [SpecValue] {
        snapshot.vms.filter { vm in
            if case .named(let image) = vm.typed.image { return image == name }
            return false
        }.map(vmNode)
    }

    /// Where an image's bits came from: the execution and artifact it resolved to, and that build's spec and commit.
    static func upstream(ofImage image: ImageRecord, snapshot: ReadSnapshot) -> [SpecValue] {
        switch image.typed.source {
        case .build(let buildName, _)?:
            var nodes: [SpecValue] = []
            if let build = snapshot.build(named: buildName) {
                nodes.append(
                    spec(.imageBuild, build.name, file: build.file, line: build.line, revision: build.revision))
            }
            if let id = image.virtualImageId, let vi = snapshot.virtualImage(id: id),
                let e = snapshot.executions(of: vi.buildName).first(where: { $0.id == vi.executionId })
            {
                nodes.append(execution(e, snapshot: snapshot))
                nodes.append(artifact(vi))
            }
            return nodes
        case .url(let url, let checksum)?:
            return [.object(["type": .string("url"), "url": .string(url), "checksum": .string(checksum.description)])]
        case .snapshotOf(let vm)?:
            return snapshot.vm(named: vm).map { [vmNode($0)] } ?? [
                .object(["type": .string("vm"), "name": .string(vm)])
            ]
        case nil:
            return []
        }
    }

    public static func lineage(_ kind: Kind, _ name: String, snapshot: ReadSnapshot) -> SpecValue? {
        switch kind {
        case .imageBuild:
            guard let build = snapshot.build(named: name) else { return nil }
            return .object([
                "kind": .string(kind.rawValue), "name": .string(name),
                "upstream": .list([
                    .object(["type": .string("commit"), "commit": .string(build.revision)]),
                    spec(.imageBuild, name, file: build.file, line: build.line, revision: build.revision)
                ]),
                "executions": .list(snapshot.executions(of: name).reversed().map { execution($0, snapshot: snapshot) }),
                "downstream": .list(downstream(ofBuild: name, snapshot: snapshot))
            ])
        case .image:
            guard let image = snapshot.image(named: name) else { return nil }
            return .object([
                "kind": .string(kind.rawValue), "name": .string(name),
                "spec": spec(.image, name, file: image.file, line: image.line, revision: image.revision),
                "upstream": .list(upstream(ofImage: image, snapshot: snapshot)),
                "self": imageNode(image),
                "downstream": .list(downstream(ofImage: name, snapshot: snapshot))
            ])
        case .virtualMachine:
            guard let vm = snapshot.vm(named: name) else { return nil }
            var upstream: [SpecValue] = []
            if case .named(let imageName) = vm.typed.image, let image = snapshot.image(named: imageName) {
                upstream = self.upstream(ofImage: image, snapshot: snapshot) + [imageNode(image)]
            }
            return .object([
                "kind": .string(kind.rawValue), "name": .string(name),
                "spec": spec(.virtualMachine, name, file: vm.file, line: vm.line, revision: vm.revision),
                "upstream": .list(upstream),
                "self": vmNode(vm),
                "downstream": .list([])
            ])
        }
    }
}
