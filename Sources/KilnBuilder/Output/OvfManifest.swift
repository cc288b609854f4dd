/// The `.mf` manifest of an OVA: the SHA-256 of every other file, one `SHA256(name)= hex` line each (OVF 2.0).
enum OvfManifest {
    static func text(_ files: [(name: String, sha256: String)]) -> String {
        files.map { "SHA256(\($0.name))= \($0.sha256)\n" }.joined()
    }
}
