import Foundation

/// The resolved package list of a Debian root filesystem (`packages.txt`: `name version architecture` per line,
/// sorted), and how much of it came from the shared `.deb` cache.
struct PackageList: Sendable, Hashable {
    struct Package: Sendable, Hashable {
        var name: String
        var version: String
        var architecture: String

        /// The file name apt gives its `.deb` in `/var/cache/apt/archives` (an epoch's `:` becomes `%3a`).
        var debFileName: String {
            "\(name)_\(version.replacingOccurrences(of: ":", with: "%3a"))_\(architecture).deb"
        }
    }

    var packages: [Package]

    init(text: String) {
        packages = text.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 3 else { return nil }
            return Package(name: words[0], version: words[1], architecture: words[2])
        }
    }

    /// Packages whose `.deb` was in the cache before the build, and the others (downloaded).
    func cacheUse(before: Set<String>) -> (hits: Int, downloaded: Int) {
        let hits = packages.filter { before.contains($0.debFileName) }.count
        return (hits, packages.count - hits)
    }
}
