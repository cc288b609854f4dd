import KilnSpec

/// `mmdebstrap`'s command line for a `source.debian`, built from validated names only (suite, components, packages
/// follow Debian's grammar, so none can carry shell syntax into a hook).
///
/// The `.deb` cache is shared between builds through mmdebstrap's `sync-in`/`sync-out` special hooks (its documented
/// way when no caching proxy is used), with `--skip=essential/unlink` so the essential packages' `.deb`s stay to be
/// synced out. A customize hook writes the resolved package list (`name version architecture`) and drops the files
/// that tie a root filesystem to the host that built it (`resolv.conf`, `hostname`).
enum MmdebstrapCommand {
    struct Input: Sendable {
        var source: ImageBuildSpec.DebianSource
        var mirror: String
        var rootfs: String
        var cache: String
        var packagesFile: String
        var mirrorDateFile: String
    }

    static func arguments(_ input: Input) -> [String] {
        let source = input.source
        var arguments = [
            "--mode=root", "--format=directory", "--variant=\(source.variant)",
            "--components=\(source.components.joined(separator: ","))",
            "--skip=essential/unlink"
        ]
        if !source.packages.isEmpty { arguments.append("--include=\(source.packages.joined(separator: ","))") }
        arguments += [
            "--setup-hook=mkdir -p \"$1\"/var/cache/apt/archives/",
            "--setup-hook=sync-in \(input.cache) /var/cache/apt/archives/",
            "--customize-hook=sync-out /var/cache/apt/archives \(input.cache)",
            "--customize-hook=chroot \"$1\" dpkg-query -W -f='${Package} ${Version} ${Architecture}\\n' | LC_ALL=C sort > \(shellQuoted(input.packagesFile))",
            "--customize-hook=sed -n 's/^Date: //p' \"$1\"/var/lib/apt/lists/*Release | head -n 1 > \(shellQuoted(input.mirrorDateFile))",
            "--customize-hook=rm -f \"$1\"/etc/resolv.conf; echo debian > \"$1\"/etc/hostname",
            source.suite, input.rootfs, input.mirror
        ]
        return arguments
    }

    /// `unshare`'s arguments to run `mmdebstrap` in a mount namespace of its own, where nothing it mounts propagates
    /// back to the host's.
    static func privateMounts(_ mmdebstrap: String, _ arguments: [String]) -> [String] {
        ["--mount", "--propagation", "private", "--", mmdebstrap] + arguments
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// What mmdebstrap's last lines say, in the words of the spec: an unknown suite or package names the field.
    static func explain(_ tail: [String], source: ImageBuildSpec.DebianSource, mirror: String) -> String? {
        let text = tail.joined(separator: "\n")
        if text.contains("does not have a Release file") || text.contains("404  Not Found") && text.contains("Release")
        {
            return
                "suite \(source.suite) is not on the mirror \(mirror); check source.debian.suite (bookworm, trixie, stable, …)"
        }
        if let line = tail.first(where: { $0.contains("Unable to locate package") }),
            let name = line.split(separator: " ").last
        {
            return
                "package \(name) is not in \(source.suite) (\(source.components.joined(separator: ", "))) on \(mirror); check source.debian.packages"
        }
        return nil
    }
}
