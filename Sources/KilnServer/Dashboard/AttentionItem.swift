import KilnCatalog
import KilnSpec

/// An object whose Ready condition is not true, listed at the top of the dashboard with why.
struct AttentionItem: Sendable, Hashable {
    let kind: String
    let name: String
    let links: ObjectLinks
    let badge: ReadyBadge

    /// Every build, image and VM that is not Ready: those that need a person (bad) first, then those Kiln is still
    /// working on, each group by kind and name.
    static func all(in snapshot: ReadSnapshot) -> [AttentionItem] {
        var items: [AttentionItem] = []
        for build in snapshot.builds where !build.status.isReady {
            items.append(
                AttentionItem(
                    kind: Kind.imageBuild.rawValue, name: build.name,
                    links: ObjectLinks(anchorPrefix: "build", slug: "imagebuild", name: build.name),
                    badge: ReadyBadge(build.status)))
        }
        for image in snapshot.images where !image.status.isReady {
            items.append(
                AttentionItem(
                    kind: Kind.image.rawValue, name: image.name,
                    links: ObjectLinks(anchorPrefix: "image", slug: "image", name: image.name),
                    badge: ReadyBadge(image.status)))
        }
        for vm in snapshot.vms where !vm.status.isReady {
            items.append(
                AttentionItem(
                    kind: Kind.virtualMachine.rawValue, name: vm.name,
                    links: ObjectLinks(anchorPrefix: "vm", slug: "virtualmachine", name: vm.name),
                    badge: ReadyBadge(vm.status)))
        }
        let rank = ["bad": 0, "idle": 1, "busy": 2]
        return items.enumerated().sorted { a, b in
            let (ra, rb) = (rank[a.element.badge.tone] ?? 1, rank[b.element.badge.tone] ?? 1)
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }
}
