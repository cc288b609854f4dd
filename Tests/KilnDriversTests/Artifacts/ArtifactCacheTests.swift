import Foundation
import KilnDrivers
import KilnTestSupport
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

/// A build's output put into the shared store under its sha256, as a fetch would have put it there.
@Suite struct ArtifactPublishTests {
    let digest = String(repeating: "7c", count: 32)

    @Test func anOutputIsLinkedUnderItsHashAndAFileAlreadyThereIsKept() throws {
        let folder = try TempFolder(prefix: "kiln-publish")
        let output = try folder.write("data/artifacts/web/1/web-1.qcow2", "the image")
        let store = ArtifactCache(store: "\(folder.path)/store", host: "a")
        let path = try store.publish(output, sha256: digest)
        #expect(path == "\(folder.path)/store/sha256/\(digest)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the image")
        // One file, two names: no bytes were copied.
        let links = try FileManager.default.attributesOfItem(atPath: output)[.referenceCount] as? Int
        #expect(links == 2)
        // Another host publishing the same bytes finds them there; nothing is replaced.
        let other = try folder.write("b/artifacts/web/1/web-1.qcow2", "the image")
        #expect(try ArtifactCache(store: "\(folder.path)/store", host: "b").publish(other, sha256: digest) == path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "the image")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.folder) == [digest])
    }

    @Test func aNameThatIsNoSha256IsRefusedNamingTheStore() throws {
        let folder = try TempFolder(prefix: "kiln-publish")
        let output = try folder.write("web-1.qcow2", "x")
        #expect {
            _ = try ArtifactCache(store: "\(folder.path)/store", host: "a").publish(output, sha256: "../../etc/passwd")
        } throws: { error in
            "\(error)".contains("cannot put \(output) into the artifact store \(folder.path)/store")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/store/sha256"))
    }
}
