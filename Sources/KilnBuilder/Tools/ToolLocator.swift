import Glibc

/// Finds tools on a search path (PATH) the way a shell does: the first executable file of that name.
struct ToolLocator: Sendable {
    var searchPath: String

    func locate(_ tool: Tool) throws(BuildError) -> String {
        for folder in searchPath.split(separator: ":", omittingEmptySubsequences: true) where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(tool.rawValue)"
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw .toolMissing(tool: tool.rawValue, debianPackage: tool.debianPackage, searchPath: searchPath)
    }
}
