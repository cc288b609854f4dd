/// A file a host's sweep of its own data dir removes, and why (``ImportedImageSweep``, and the build files' sweep).
public struct SweepLeftover: Sendable, Hashable {
    public var path: String
    public var why: String

    public init(path: String, why: String) {
        self.path = path
        self.why = why
    }
}
