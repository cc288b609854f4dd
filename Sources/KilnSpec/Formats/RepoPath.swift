/// A path inside the spec root (`--path`), as specs name scripts and in-repository sources.
///
/// Paths are relative to the spec root, so a spec folder works the same as its own repository or as a subfolder of
/// another one. Absolute paths, `..`, empty segments, backslashes and `.git` are refused: a spec from a pull request
/// must not reach outside its tree.
public enum RepoPath {
    public static func normalize(_ text: String) -> Result<String, FormatError> {
        if text.hasPrefix("/") {
            return .failure(FormatError("\(JSONText.quoted(text)) is absolute; write a path relative to the spec root"))
        }
        if text.contains("\\") {
            return .failure(FormatError("\(JSONText.quoted(text)) contains a backslash; use / between folders"))
        }
        var parts: [Substring] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: false) {
            switch part {
            case ".": continue
            case "..":
                return .failure(
                    FormatError("\(JSONText.quoted(text)) leaves the spec root (..); name a file inside it"))
            case "":
                return .failure(FormatError("\(JSONText.quoted(text)) has an empty path segment"))
            case ".git":
                return .failure(FormatError("\(JSONText.quoted(text)) points into .git"))
            default: parts.append(part)
            }
        }
        guard !parts.isEmpty else { return .failure(FormatError("the path is empty")) }
        return .success(parts.joined(separator: "/"))
    }
}
