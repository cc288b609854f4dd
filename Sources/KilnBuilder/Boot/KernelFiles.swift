import Glibc

/// The kernel and initrd a root filesystem boots with: its newest `/boot/vmlinuz-<version>` and the matching
/// `/boot/initrd.img-<version>` when there is one. Both must be regular files (never symlinks).
struct KernelFiles: Sendable, Hashable {
    var version: String
    /// Paths inside the root filesystem, relative (`boot/vmlinuz-6.1.0-28-amd64`).
    var kernel: String
    var initrd: String?

    static func find(in root: RootFiles) -> KernelFiles? {
        let versions = root.list("boot").compactMap { name -> String? in
            guard name.hasPrefix("vmlinuz-"), root.kind("boot/" + name) == S_IFREG else { return nil }
            return String(name.dropFirst("vmlinuz-".count))
        }
        guard let newest = versions.max(by: { versionLess($0, $1) }) else { return nil }
        let initrd = "boot/initrd.img-\(newest)"
        return KernelFiles(
            version: newest, kernel: "boot/vmlinuz-\(newest)",
            initrd: root.kind(initrd) == S_IFREG ? initrd : nil)
    }

    /// Compares versions as `sort -V` does: runs of digits by value, everything else as text.
    static func versionLess(_ a: String, _ b: String) -> Bool {
        func parts(_ s: String) -> [(Bool, String)] {
            var out: [(Bool, String)] = []
            for c in s {
                let digit = c.isASCII && c.isNumber
                if let last = out.last, last.0 == digit {
                    out[out.count - 1].1.append(c)
                } else {
                    out.append((digit, String(c)))
                }
            }
            return out
        }
        for (x, y) in zip(parts(a), parts(b)) where x.1 != y.1 {
            if x.0 && y.0, let i = Int(x.1), let j = Int(y.1), i != j { return i < j }
            return x.1 < y.1
        }
        return parts(a).count < parts(b).count
    }
}
