import Testing

@testable import KilnQuery

/// Query strings as real scripts write them: trailing `&`, empty pairs, form encoding, repeated names.
@Suite struct QueryParametersTests {
    @Test(
        arguments: [
            ("max=5&", ["max": "5"]),
            ("&&max=5&&offset=2&", ["max": "5", "offset": "2"]),
            ("phrase=busy+box", ["phrase": "busy box"]),
            ("phrase=busy%20box&x=%2B", ["phrase": "busy box", "x": "+"]),
            ("max=", [:]),
            ("max", [:]),
            ("max=1&max=2", ["max": "2"]),
            ("na%6De=v", ["name": "v"]),
            ("q=%E2%9C%93", ["q": "✓"])
        ] as [(String, [String: String])])
    func readsWhatScriptsSend(query: String, expected: [String: String]) throws {
        let parameters = try QueryParameters(query)
        for (name, value) in expected { #expect(parameters[name] == value, "\(name)") }
        #expect(parameters.names == Set(expected.keys))
    }

    @Test(arguments: [("max=%zz", "max"), ("max=%4", "max"), ("q=%FF", "q"), ("%G0=1", nil)] as [(String, String?)])
    func aMalformedEscapeIsRefusedNamingIt(query: String, name: String?) throws {
        let error = try #require(failure { _ = try QueryParameters(query) })
        #expect(error.name == name)
        #expect(error.message.contains("malformed %-escape"), "\(error.message)")
    }

    @Test func integersAreCheckedAndNamed() throws {
        let parameters = try QueryParameters("max=ten&offset=-1&ok=7")
        #expect(try parameters.int("ok", default: 0, in: 0...10) == 7)
        #expect(try parameters.int("absent", default: 25, in: 1...10) == 25)
        for (name, fragment) in [("max", "must be a whole number (got ten)"), ("offset", "between 0 and")] {
            let error = try #require(failure { _ = try parameters.int(name, default: 0, in: 0...Int.max) })
            #expect(error.message.contains("query parameter \(name)"))
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func choicesNameTheAllowedValues() throws {
        let parameters = try QueryParameters("direction=sideways")
        let error = failure { _ = try parameters.choice("direction", ["asc", "desc"]) }
        #expect(error?.message == "query parameter direction: must be one of asc, desc (got sideways)")
    }

    @Test func errorsNeverEchoAHugeName() throws {
        let name = String(repeating: "n", count: 5000)
        let error = try #require(failure { _ = try QueryParameters("\(name)=%zz") })
        #expect(error.name == name)
        #expect(error.message.utf8.count < 200, "\(error.message.utf8.count) bytes")
    }

    /// One character of 5,000 combining marks is one `Character`: the echo is cut by Unicode scalars instead.
    @Test func errorsNeverEchoAHugeCharacter() throws {
        let huge = "a" + String(repeating: "\u{301}", count: 5000)
        let parameters = try QueryParameters("direction=\(huge)")
        let error = try #require(failure { _ = try parameters.choice("direction", ["asc", "desc"]) })
        #expect(error.message.utf8.count < 200, "\(error.message.utf8.count) bytes")
    }

    @Test func errorsNeverEchoAHugeValue() throws {
        let huge = String(repeating: "x", count: 5000)
        let parameters = try QueryParameters("max=\(huge)")
        let error = try #require(failure { _ = try parameters.int("max", default: 0, in: 0...10) })
        #expect(error.message.count < 200)
    }
}

/// The ``QueryParameterError`` a body throws, or nil when it throws nothing.
private func failure(_ body: () throws -> Void) -> QueryParameterError? {
    do {
        try body()
        return nil
    } catch {
        return error as? QueryParameterError
    }
}
