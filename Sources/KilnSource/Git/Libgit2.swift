import CGit2

/// libgit2's global state, set up once per process before the first handle is made.
enum Libgit2 {
    /// `git_libgit2_init` is reference-counted; Kiln initialises once and never shuts down, so handles freed in
    /// `deinit` late in the process still find the library alive.
    private static let initialized: Int32 = git_libgit2_init()

    static func ensureInitialized() {
        _ = initialized
    }
}
