/// The folders of one execution's work directory.
struct Workspace: Sendable, Hashable {
    /// The work directory itself, with symlinks resolved.
    var root: String

    var rootfs: String { root + "/rootfs" }
    var scripts: String { root + "/scripts" }
    var output: String { root + "/out" }
    /// An in-repository source, written out of the commit.
    var source: String { root + "/source" }
}
