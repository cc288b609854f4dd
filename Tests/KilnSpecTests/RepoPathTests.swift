import KilnSpec
import Testing

@Suite struct RepoPathTests {
    @Test(arguments: [
        ("scripts/install.sh", "scripts/install.sh"), ("./scripts/install.sh", "scripts/install.sh"),
        ("scripts/./install.sh", "scripts/install.sh"), ("./x", "x"), ("a/b/c", "a/b/c"),
        (".gitignore", ".gitignore"), ("...", "..."), ("..x/y", "..x/y"), ("dir with space/f", "dir with space/f")
    ])
    func relativePathsAreNormalised(text: String, normalized: String) throws {
        #expect(try RepoPath.normalize(text).get() == normalized)
    }

    @Test(arguments: [
        ("../secret", #""../secret" leaves the spec root (..); name a file inside it"#),
        ("scripts/../../etc/passwd", #""scripts/../../etc/passwd" leaves the spec root (..); name a file inside it"#),
        ("a/..", #""a/.." leaves the spec root (..); name a file inside it"#),
        ("/etc/passwd", #""/etc/passwd" is absolute; write a path relative to the spec root"#),
        ("//server/share", #""//server/share" is absolute; write a path relative to the spec root"#),
        (#"scripts\install.sh"#, #""scripts\\install.sh" contains a backslash; use / between folders"#),
        (#"C:\x"#, #""C:\\x" contains a backslash; use / between folders"#),
        ("scripts//install.sh", #""scripts//install.sh" has an empty path segment"#),
        ("scripts/", #""scripts/" has an empty path segment"#),
        (".git/config", #"".git/config" points into .git"#),
        ("sub/.git/hooks/pre-commit", #""sub/.git/hooks/pre-commit" points into .git"#),
        ("", #""" has an empty path segment"#),
        (".", "the path is empty"),
        ("./.", "the path is empty")
    ])
    func pathsOutsideTheSpecRootAreRefused(text: String, message: String) {
        #expect(RepoPath.normalize(text).failureMessage == message)
    }
}
