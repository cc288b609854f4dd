/// Reads files of the spec root of one revision (scripts, in-repository sources), by path relative to the spec root.
///
/// A build reads its scripts through this, from the commit being built and never from a work tree. A reader refuses
/// symlinks, submodules and folders, and files over its size cap.
public protocol SpecFileReader: Sendable {
    func read(_ path: String) throws -> [UInt8]
}
