import Glibc

/// Gives the calling thread a working directory of its own (`unshare(CLONE_FS)`) and moves it into a folder.
///
/// Extraction relies on this twice. libarchive's secure flags (`ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS`, `…NODOTDOT`,
/// `…SYMLINKS`) judge each entry's path relative to the working directory, so the root filesystem must be the
/// working directory; and libarchive `chdir`s while it checks symlinks and writes deep paths, which must not move
/// the working directory of the rest of the process. Call only on a thread that ends after the work
/// (``OffThread``). Glibc's `unshare` is not imported into Swift, so it is looked up by name.
enum ThreadWorkingDirectory {
    private typealias Unshare = @convention(c) (Int32) -> Int32
    private static let cloneFS: Int32 = 0x0000_0200

    static func enter(_ folder: String) throws(BuildError) {
        guard let symbol = dlsym(nil, "unshare") else {
            throw .fileSystem(
                operation: "isolating the unpacking thread's working directory", path: folder,
                reason: "unshare is not available")
        }
        let unshare = unsafeBitCast(symbol, to: Unshare.self)
        guard unshare(cloneFS) == 0 else {
            throw .fileSystem(
                operation: "isolating the unpacking thread's working directory", path: folder,
                reason: FileSystem.errorText())
        }
        guard chdir(folder) == 0 else {
            throw .fileSystem(operation: "entering", path: folder, reason: FileSystem.errorText())
        }
    }
}
