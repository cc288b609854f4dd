import KilnSource
import Testing

@Suite("Repository locations")
struct RepositoryLocationTests {
    @Test(arguments: [
        ("file:///srv/specs.git", true), ("https://example.org/specs.git", true),
        ("ssh://git@example.org/specs.git", true),
        ("git@example.org:team/specs.git", true), ("/srv/specs", false), ("./specs", false), ("specs", false),
        ("dir/user@host:x", false)
    ])
    func tellsURLsFromPaths(_ text: String, _ isRemote: Bool) throws {
        let location = try RepositoryLocation(text)
        if case .remote = location { #expect(isRemote) } else { #expect(!isRemote) }
    }

    @Test func refusesOtherSchemes() {
        #expect(throws: GitSourceError.self) { try RepositoryLocation("ftp://example.org/specs.git") }
        #expect(throws: GitSourceError.self) { try RepositoryLocation("") }
    }

    @Test(arguments: [
        ("https://kiln:s3cret@example.org/specs.git", "https://kiln:************@example.org/specs.git"),
        ("https://kiln:p@ss@example.org/x", "https://kiln:************@example.org/x"),
        ("ssh://git@example.org/specs.git", "ssh://git@example.org/specs.git"),
        ("https://example.org/a:b@c", "https://example.org/a:b@c"),
        ("/srv/specs", "/srv/specs")
    ])
    func masksPasswords(_ text: String, _ shown: String) throws {
        #expect(try RepositoryLocation(text).display == shown)
    }
}
