import Foundation

/// The Debian mirror builds fetch from: the operator's, never a spec's. `kiln --debian-mirror URL` names it; by
/// default it is the host's own apt sources (the first Debian archive in `/etc/apt/sources.list` and
/// `/etc/apt/sources.list.d/`, one-line or deb822), so a host set up for a local mirror or a proxy builds from it.
public enum DebianMirror {
    /// The archive URI of the host's apt sources, or nil when none names a Debian archive.
    public static func host(etc: String = "/etc/apt") -> String? {
        var texts: [(name: String, text: String)] = []
        if let text = try? String(contentsOfFile: etc + "/sources.list", encoding: .utf8) {
            texts.append(("sources.list", text))
        }
        let folder = etc + "/sources.list.d"
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        where name.hasSuffix(".list") || name.hasSuffix(".sources") {
            if let text = try? String(contentsOfFile: folder + "/" + name, encoding: .utf8) {
                texts.append((name, text))
            }
        }
        for (name, text) in texts {
            let entries = name.hasSuffix(".sources") ? deb822(text) : oneLine(text)
            if let uri = entries.first(where: isDebianArchive)?.uri { return uri }
        }
        return nil
    }

    /// One source: a URI and its suites.
    struct Entry: Hashable {
        var uri: String
        var suites: [String]
        var signedBy: String?
    }

    /// A Debian archive (not its security archive): its keyring is Debian's, or its path ends in `/debian`.
    static func isDebianArchive(_ entry: Entry) -> Bool {
        let uri = entry.uri.hasSuffix("/") ? String(entry.uri.dropLast()) : entry.uri
        guard uri.hasPrefix("http://") || uri.hasPrefix("https://") || uri.hasPrefix("file:/") else { return false }
        guard !uri.hasSuffix("-security"), !entry.suites.allSatisfy({ $0.hasSuffix("-security") }) else { return false }
        return uri.hasSuffix("/debian") || entry.signedBy?.contains("debian-archive-keyring") == true
    }

    /// `deb [options] URI suite components…` lines.
    static func oneLine(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { raw in
            var line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            line = line.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("deb ") else { return nil }
            var rest = String(line.dropFirst(4)).trimmingCharacters(in: .whitespaces)
            var signedBy: String?
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                let options = rest[rest.index(after: rest.startIndex)..<close]
                signedBy = options.split(separator: " ").first { $0.hasPrefix("signed-by=") }.map {
                    String($0.dropFirst(10))
                }
                rest = String(rest[rest.index(after: close)...]).trimmingCharacters(in: .whitespaces)
            }
            let words = rest.split(separator: " ").map(String.init)
            guard words.count >= 2 else { return nil }
            return Entry(uri: words[0], suites: [words[1]], signedBy: signedBy)
        }
    }

    /// deb822 stanzas: `Types: deb`, `URIs:`, `Suites:`, `Signed-By:`.
    static func deb822(_ text: String) -> [Entry] {
        var entries: [Entry] = []
        for stanza in text.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in stanza.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix(" ") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
            guard fields["types"]?.split(separator: " ").contains("deb") == true,
                fields["enabled"]?.lowercased() != "no"
            else { continue }
            let suites = (fields["suites"] ?? "").split(separator: " ").map(String.init)
            for uri in (fields["uris"] ?? "").split(separator: " ") {
                entries.append(Entry(uri: String(uri), suites: suites, signedBy: fields["signed-by"]))
            }
        }
        return entries
    }
}
