import KilnDrivers
import Testing

@Suite struct ArtifactCacheTests {
    let digest = String(repeating: "ab", count: 32)

    @Test func filesAreNamedByTheirContentHash() {
        let cache = ArtifactCache(dataDir: "/var/lib/kiln")
        #expect(cache.path(sha256: digest) == "/var/lib/kiln/artifact-cache/sha256/\(digest)")
        #expect(cache.partialPath(sha256: digest) == "/var/lib/kiln/artifact-cache/sha256/\(digest).part")
    }

    @Test(arguments: [
        "", "../../etc/passwd", String(repeating: "AB", count: 32), String(repeating: "a", count: 63),
        String(repeating: "g", count: 64), String(repeating: "a", count: 62) + "/x"
    ])
    func anythingButASha256IsNeverAPath(_ text: String) {
        let cache = ArtifactCache(dataDir: "/var/lib/kiln")
        #expect(cache.path(sha256: text) == nil)
        #expect(cache.partialPath(sha256: text) == nil)
    }
}
