import Foundation
import Glibc
import KilnSpec

/// Makes a `source.debian` root filesystem with mmdebstrap from the operator's mirror, sharing the `.deb` cache
/// under the data folder between builds, and keeps the resolved package list as the `packages.txt` artifact.
struct DebianStep: BuildStep {
    func run(_ context: inout BuildContext) async throws(BuildError) {
        guard case .debian(let source) = context.request.spec.source else { return }
        let mirror: String
        if let given = context.request.debianMirror {
            mirror = given
        } else if let host = DebianMirror.host() {
            mirror = host
        } else {
            throw .unsupported(
                "no Debian mirror: the host's apt sources name none; start Kiln with --debian-mirror URL")
        }
        let mmdebstrap = try context.tools.locator.locate(.mmdebstrap)
        let unshare = try context.tools.locator.locate(.unshare)
        let cache = context.request.cacheDirectory + "/debian"
        try FileSystem.makeDirectories(cache, mode: 0o755)
        let before = Set(RootFiles(root: cache).list("").filter { $0.hasSuffix(".deb") })
        let packagesFile = context.work.root + "/packages.txt"
        let input = MmdebstrapCommand.Input(
            source: source, mirror: mirror, rootfs: context.work.rootfs, cache: cache, packagesFile: packagesFile,
            mirrorDateFile: context.work.root + "/mirror-date")
        await context.log.write(
            "Fetching",
            "mmdebstrap \(source.suite) (\(source.variant); \(source.components.joined(separator: ", "))) from \(mirror), \(source.packages.count) packages asked for, \(before.count) .debs in the cache"
        )
        var runner = context.runner
        runner.environment["SOURCE_DATE_EPOCH"] = String(context.request.sourceDateEpoch)
        runner.environment["TMPDIR"] = context.work.root
        runner.tailLines = 40
        let log = context.log
        // mmdebstrap wants an empty target folder; the workspace made one. In root mode it mounts proc, sys, dev (with
        // a bind of the host's /dev/shm) and dev/pts inside the root filesystem, and unmounts them only when it ends
        // well. So it runs in a mount namespace of its own: the mounts die with its processes, however they end, and
        // a removal of the workspace after a kill cannot reach through them into the host.
        let command = MmdebstrapCommand.privateMounts(mmdebstrap, MmdebstrapCommand.arguments(input))
        let outcome = try await runner.run(unshare, command) { line in
            await log.write("mmdebstrap", line)
        }
        guard outcome.succeeded else {
            let reason = MmdebstrapCommand.explain(outcome.tail, source: source, mirror: mirror)
            throw .toolFailed(
                tool: "mmdebstrap", status: outcome.status.description + (reason.map { ": " + $0 } ?? ""),
                output: outcome.tail.suffix(8).joined(separator: "\n"))
        }
        let text =
            (try? FileBytes.read(packagesFile, limit: 16 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let list = PackageList(text: text)
        guard !list.packages.isEmpty else {
            throw .toolFailed(tool: "mmdebstrap", status: "exit code 0", output: "no package list was written")
        }
        // Folder times and apt's caches record mmdebstrap's run (what came from the package cache), not the packages.
        let stamped = Reproducible.stampRunHistory(context.work.rootfs, epoch: context.request.sourceDateEpoch)
        await context.log.write(
            "Fetching",
            "\(stamped) folders and apt cache entries dated \(context.request.sourceDateEpoch) (SOURCE_DATE_EPOCH): their times record the run, not the packages"
        )
        let use = list.cacheUse(before: before)
        let date =
            (try? FileBytes.read(input.mirrorDateFile, limit: 4096)).map { String(decoding: $0, as: UTF8.self) }?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        await context.log.write(
            "Fetching",
            "\(list.packages.count) packages installed: \(use.hits) from the package cache, \(use.downloaded) downloaded"
                + (date.isEmpty ? "" : "; mirror snapshot of \(date)"))
        context.artifacts.append(packagesFile)
    }
}
