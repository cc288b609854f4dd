import KilnSpec
import Testing

@Suite struct ResourceNameTests {
    @Test(arguments: [
        "a", "web-1", "A.b_c-d", "0day", "sles-11-sp1-hvm-v1.00.x86_64", String(repeating: "x", count: 63)
    ])
    func goodNames(name: String) {
        #expect(ResourceName.check(name) == nil)
    }

    @Test(arguments: [
        ("", "a name must not be empty"),
        (
            String(repeating: "x", count: 64),
            "\"\(String(repeating: "x", count: 64))\" is 64 characters long; a name has at most 63"
        ),
        ("-web", #""-web" must start with a letter or digit"#),
        (".hidden", #"".hidden" must start with a letter or digit"#),
        ("_web", #""_web" must start with a letter or digit"#),
        ("web server", #""web server" may contain only letters, digits, '.', '-' and '_'"#),
        ("web/1", #""web/1" may contain only letters, digits, '.', '-' and '_'"#),
        ("web:1", #""web:1" may contain only letters, digits, '.', '-' and '_'"#),
        ("café", #""café" may contain only letters, digits, '.', '-' and '_'"#)
    ])
    func badNames(name: String, message: String) {
        #expect(ResourceName.check(name)?.message == message)
    }

    /// The pattern the JSON Schema uses says the same as the check.
    @Test(arguments: [
        "a", "web-1", "", "-web", ".x", "web server", "café", String(repeating: "x", count: 63),
        String(repeating: "x", count: 64)
    ])
    func thePatternAgreesWithTheCheck(name: String) throws {
        let regex = try Regex(ResourceName.pattern)
        #expect((name.wholeMatch(of: regex) != nil) == (ResourceName.check(name) == nil))
    }
}
