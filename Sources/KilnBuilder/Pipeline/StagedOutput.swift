/// A disk image or final output waiting in the work directory.
struct StagedOutput: Sendable, Hashable {
    var format: ImageFormat
    var path: String
    var compression: Compression = .none
}
