import KilnQuery
import Testing

@Suite struct BoundedRegexTests {
    @Test(arguments: [
        ("cent", "centos5", true),
        ("^cent", "xcentos", false),
        ("os$", "centos", true),
        ("^c.*5$", "centos5", true),
        ("^(centos|debian)-[0-9]+$", "debian-12", true),
        ("^(centos|debian)-[0-9]+$", "ubuntu-22", false),
        ("a{2,3}", "caab", true),
        ("^a{2,3}$", "aaaa", false),
        ("^a{2}$", "aa", true),
        ("^a{2,}$", "aaaaa", true),
        ("[^0-9]", "123", false),
        ("\\d\\d", "x42", true),
        ("\\w+\\s\\w+", "hello world", true),
        ("\\.", "a.b", true),
        ("\\.", "ab", false),
        ("(?:ab)+c", "ababc", true),
        ("colou?r", "color", true),
        ("x*", "", true),
        ("a|", "zzz", true),
        ("[a\\-z]", "-", true),
        ("[]a]", "]", true),
        ("a{x}", "a{x}", true)
    ])
    func matchesAnywhereAsMongoDoes(pattern: String, text: String, expected: Bool) throws {
        #expect(try BoundedRegex(pattern).matches(text) == expected)
    }

    @Test func ignoringCase() throws {
        #expect(try BoundedRegex("^CENT", ignoringCase: true).matches("centos"))
        #expect(try !BoundedRegex("^CENT").matches("centos"))
        #expect(try BoundedRegex("[A-C]x", ignoringCase: true).matches("bX"))
    }

    /// The patterns that make backtracking engines exponential run in linear time here: the test would hang (and hit
    /// the suite's deadline) otherwise.
    @Test(arguments: ["(a+)+$", "(a*)*b", "(a|aa)+$", "(a|a?)+b", "^(\\w+\\s?)*$"])
    func catastrophicPatternsStayLinear(pattern: String) throws {
        let text = String(repeating: "a", count: 20_000) + "!"
        #expect(try !BoundedRegex(pattern).matches(text))
        #expect(
            try BoundedRegex(pattern).matches(
                String(repeating: "a", count: 20_000) + (pattern.contains("b") ? "b" : "")))
    }

    @Test(arguments: [
        ("(ab", "unbalanced '('"),
        ("ab)", "unbalanced ')'"),
        ("[ab", "unbalanced '['"),
        ("*a", "nothing to repeat"),
        ("a**", "a quantifier after a quantifier"),
        ("(a)\\1", "back-references are not supported"),
        ("(?=a)", "look-arounds and other (? groups are not supported"),
        ("a{1000}", "a repeat count over 100"),
        ("a{5,2}", "a repeat range whose maximum is below its minimum"),
        ("\\q", "unknown escape \\q"),
        ("[z-a]", "a class range out of order")
    ])
    func badPatternsSayWhy(pattern: String, problem: String) {
        do {
            _ = try BoundedRegex(pattern)
            Issue.record("\(pattern) was accepted")
        } catch {
            #expect(error.problem == problem, "\(pattern): \(error)")
        }
    }

    @Test func sizeIsCapped() {
        #expect(throws: BoundedRegex.Failure.self) { try BoundedRegex(String(repeating: "a", count: 300)) }
        // 100 copies of 100 copies is 10,000 steps: over the program cap.
        #expect(throws: BoundedRegex.Failure.self) { try BoundedRegex("(a{100}){100}") }
    }
}
