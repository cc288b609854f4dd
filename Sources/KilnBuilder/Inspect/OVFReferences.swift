/// The files an OVF descriptor references (`<File ovf:href="…">`): each must be a plain name of a file in the same
/// package, never a path, a parent folder, or a URL.
public enum OVFReferences {
    /// Every `href` value of the descriptor.
    public static func hrefs(_ xml: String) -> [String] {
        var out: [String] = []
        var rest = Substring(xml)
        while let range = rest.range(of: "href=") {
            rest = rest[range.upperBound...]
            guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
            rest = rest.dropFirst()
            guard let end = rest.firstIndex(of: quote) else { break }
            out.append(String(rest[..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return out
    }

    /// The references that are not plain names present in `files` (the package's own file names).
    public static func problems(_ xml: String, files: Set<String>) -> [String] {
        hrefs(xml).compactMap { href in
            if href.contains("/") || href.contains("\\") || href == ".." || href == "." || href.contains(":")
                || href.isEmpty
            {
                return "\(href) (outside the archive)"
            }
            return files.contains(href) ? nil : "\(href) (not in the archive)"
        }
    }
}
