/// A revision as a user may write it (`--from`, `--to`): a commit id, a branch, a tag or `HEAD`, checked before
/// libgit2 sees it.
///
/// libgit2's revspec language is never used: `:/text` searches commit messages, `@{…}` reads reflogs, `^`/`~` walk
/// ancestry and `A..B` is a range — in a pull-request preview such input must be an error, not a surprise.
enum RevisionName: Hashable {
    case head
    /// 40 hex digits.
    case commitID(String)
    /// `refs/heads/NAME`.
    case branch(String)
    /// `refs/tags/NAME`.
    case tag(String)
    /// A plain name: a branch or a tag, or, when it is 4 to 39 hex digits, also an abbreviated commit id.
    case name(String, mayBeCommitID: Bool)

    init(_ text: String) throws(GitSourceError) {
        func refuse(_ reason: String) -> GitSourceError { .invalidRevision(text, reason: reason) }
        guard !text.isEmpty else { throw refuse("it is empty") }
        guard text.utf8.count <= 255 else { throw refuse("it is longer than 255 bytes") }
        if text == "HEAD" {
            self = .head
            return
        }
        let isHex = text.utf8.allSatisfy(\.isHexDigit)
        if isHex && text.utf8.count == 40 {
            self = .commitID(text.lowercased())
            return
        }
        if text.contains(":") {
            throw refuse("':' is revision syntax (a path in a commit, or a search of commit messages)")
        }
        if text.contains("@{") || text == "@" { throw refuse("'@' and '@{…}' are reflog syntax") }
        if text.contains("^") || text.contains("~") { throw refuse("'^' and '~' are ancestry syntax") }
        if text.contains("..") { throw refuse("'..' makes a range of commits") }
        if text.hasPrefix("-") { throw refuse("it starts with '-'") }
        if text.hasPrefix("refs/") {
            if text.hasPrefix("refs/heads/"), Self.isValidName(String(text.dropFirst("refs/heads/".count))) {
                self = .branch(String(text.dropFirst("refs/heads/".count)))
            } else if text.hasPrefix("refs/tags/"), Self.isValidName(String(text.dropFirst("refs/tags/".count))) {
                self = .tag(String(text.dropFirst("refs/tags/".count)))
            } else {
                throw refuse("of full reference names only refs/heads/… and refs/tags/… are accepted")
            }
            return
        }
        guard Self.isValidName(text) else { throw refuse("it is not a valid branch or tag name") }
        self = .name(text, mayBeCommitID: isHex && text.utf8.count >= 4)
    }

    /// Whether `name` is a valid short branch or tag name.
    static func isValidName(_ name: String) -> Bool {
        Libgit2.ensureInitialized()
        return !name.isEmpty && !name.hasPrefix("-") && name != "HEAD" && GitReference.isValidName("refs/heads/" + name)
    }
}
