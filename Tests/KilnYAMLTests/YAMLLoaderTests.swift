import KilnYAML
import Testing

@Suite struct YAMLLoaderTests {
    // MARK: marks

    @Test func everyNodeKeepsItsLineColumnAndOffset() throws {
        let text = """
            name: web
            items:
              - first
              - {key: value}
            """
        let node = try root(text)
        #expect(node.mark == Mark(line: 1, column: 1, offset: 0))
        let pairs = try #require(node.pairs)
        #expect(pairs.map(\.key.mark.description) == ["1:1", "2:1"])
        #expect(pairs[0].value.mark == Mark(line: 1, column: 7, offset: 6))
        let items = try #require(node["items"]?.items)
        #expect(node["items"]?.mark.description == "3:3")
        #expect(items[0].mark == Mark(line: 3, column: 5, offset: 21))
        #expect(items[1].mark.description == "4:5")
        let inner = try #require(items[1].pairs)
        #expect(inner[0].key.mark.description == "4:6")
        #expect(inner[0].value.mark.description == "4:11")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let node = try root("é: ü\nnext: x")
        #expect(node["é"]?.mark.description == "1:4")
        #expect(node["next"]?.mark.description == "2:7")
    }

    @Test func markOrdersByLineThenColumn() {
        #expect(Mark(line: 1, column: 9) < Mark(line: 2, column: 1))
        #expect(Mark(line: 2, column: 1) < Mark(line: 2, column: 2))
        #expect(!(Mark(line: 2, column: 2) < Mark(line: 2, column: 2)))
    }

    @Test func syntaxErrorsNameWhereLibyamlStopped() {
        #expect(
            errors("a: [1, 2\nb: 3\n") == [
                "t.yaml:2:2: did not find expected ',' or ']' while parsing a flow sequence"
            ])
        #expect(
            errors("a: b\n\tc: d\n") == [
                "t.yaml:2:1: found a tab character that violates indentation while scanning a plain scalar"
            ])
    }

    // MARK: documents

    @Test func multiDocumentStreamsGiveEachDocumentWithItsStart() throws {
        let text = """
            a: 1
            ---
            b: 2
            ...
            ---
            # only a comment
            ---
            - c
            """
        let result = load(text)
        #expect(result.errors.isEmpty)
        #expect(result.documents.map(\.index) == [0, 1, 2, 3])
        #expect(result.documents.map(\.mark.description) == ["1:1", "2:1", "5:1", "7:1"])
        #expect(result.documents[0].root?["a"]?.scalar == "1")
        #expect(result.documents[1].root?["b"]?.scalar == "2")
        #expect(result.documents[2].root?.isNull == true)
        #expect(result.documents[3].root?.items?.first?.scalar == "c")
    }

    @Test func anEmptyFileHasNoDocuments() {
        #expect(load("").documents.isEmpty)
        #expect(load("# nothing here\n").documents.isEmpty)
        #expect(load("").errors.isEmpty)
    }

    @Test func anchorsDoNotCrossDocuments() {
        #expect(errors("a: &x 1\n---\nb: *x\n") == ["t.yaml:3:4: alias *x names no anchor defined before it"])
    }

    @Test func aliasesCopyTheirAnchorsValueAtTheAliasPosition() throws {
        let node = try root("base: &b {cpus: 2}\nvm: *b\n")
        #expect(node["vm"]?["cpus"]?.scalar == "2")
        #expect(node["vm"]?.mark.description == "2:5")
    }

    @Test func anyErrorDropsEveryDocumentOfTheFile() {
        let result = load("a: 1\n---\nb: 1\nb: 2\n")
        #expect(result.documents.isEmpty)
        #expect(result.errors.count == 1)
    }

    // MARK: duplicate keys

    @Test func aDuplicateKeyNamesBothPlaces() {
        #expect(
            errors("a: 1\nb: 2\na: 3\n") == [
                "t.yaml:3:1: duplicate key \"a\" (first at t.yaml:1:1); a key may appear once"
            ])
    }

    @Test func everyDuplicateKeyIsReportedNotOnlyTheFirst() {
        let text = """
            spec:
              cpus: 1
              cpus: 2
              memory: 1gib
              memory: 2gib
            """
        #expect(
            errors(text) == [
                "t.yaml:3:3: duplicate key \"cpus\" (first at t.yaml:2:3); a key may appear once",
                "t.yaml:5:3: duplicate key \"memory\" (first at t.yaml:4:3); a key may appear once"
            ])
    }

    @Test func duplicatesCompareTheKeyTextWhateverItsQuoting() {
        #expect(
            errors("a: 1\n\"a\": 2\n") == [
                "t.yaml:2:1: duplicate key \"a\" (first at t.yaml:1:1); a key may appear once"
            ])
        #expect(
            errors("{a: 1, 'a': 2}") == ["t.yaml:1:8: duplicate key \"a\" (first at t.yaml:1:2); a key may appear once"]
        )
    }

    /// A node's mark is where it starts, anchor included.
    @Test func anAliasedKeyThatRepeatsAnotherIsADuplicate() {
        #expect(
            errors("&k name: 1\n*k : 2\n") == [
                "t.yaml:2:1: duplicate key \"name\" (first at t.yaml:1:1); a key may appear once"
            ])
    }

    @Test func theSameKeyInSiblingMappingsIsFine() throws {
        let node = try root("a: {x: 1}\nb: {x: 2}\n")
        #expect(node["a"]?["x"]?.scalar == "1")
        #expect(node["b"]?["x"]?.scalar == "2")
    }

    // MARK: keys

    @Test(arguments: [
        ("? [a, b]\n: 1\n", "t.yaml:1:3: a mapping key must be a plain string, not a list"),
        ("? {a: 1}\n: 1\n", "t.yaml:1:3: a mapping key must be a plain string, not a mapping"),
        ("list: &l [1]\n*l : 2\n", "t.yaml:2:1: a mapping key must be a plain string, not a list")
    ])
    func keysMustBeScalars(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    // MARK: scalars

    @Test func scalarsKeepTheirTextAndStyle() throws {
        let text = """
            plain: web
            single: 'it''s'
            double: "tab\\there"
            literal: |
              line 1
              line 2
            folded: >
              one
              two
            """
        let node = try root(text)
        #expect(node["plain"]?.scalar == "web")
        #expect(node["plain"]?.style == .plain)
        #expect(node["single"]?.scalar == "it's")
        #expect(node["single"]?.style == .singleQuoted)
        #expect(node["double"]?.scalar == "tab\there")
        #expect(node["double"]?.style == .doubleQuoted)
        #expect(node["literal"]?.scalar == "line 1\nline 2\n")
        #expect(node["literal"]?.style == .literal)
        #expect(node["folded"]?.scalar == "one two")
        #expect(node["folded"]?.style == .folded)
    }

    /// YAML 1.1 read `on`, `no`, `yes`, `off`, `y`, `n` as booleans, and `0755` as octal: the loader guesses nothing.
    @Test(arguments: [
        "on", "no", "yes", "off", "y", "n", "ON", "No", "0755", "1e3", "0x1F", "1_000", "2024-01-01", ".inf"
    ])
    func plainScalarsStayAsWritten(word: String) throws {
        let node = try root("value: \(word)\n")
        #expect(node["value"]?.scalar == word)
        #expect(node["value"]?.style == .plain)
        #expect(node["value"]?.isNull == false)
    }

    @Test(arguments: [
        ("a: ~", true), ("a: null", true), ("a: Null", true), ("a: NULL", true), ("a:", true),
        ("a: 'null'", false), ("a: \"\"", false), ("a: !!str null", false), ("a: nil", false),
        ("a: !!null null", true)
    ])
    func nullIsOnlyAPlainCoreSchemaNull(text: String, isNull: Bool) throws {
        #expect(try root(text)["a"]?.isNull == isNull)
    }

    @Test func shapeNamesDescribeNodesForMessages() throws {
        let node = try root("s: x\nn: ~\nl: []\nm: {}\n")
        #expect(node["s"]?.shapeName == "a scalar")
        #expect(node["n"]?.shapeName == "null")
        #expect(node["l"]?.shapeName == "a list")
        #expect(node["m"]?.shapeName == "a mapping")
    }

    // MARK: tags

    @Test(arguments: [
        ("a: !!str 1", YAMLTag.str), ("a: !!int 1", YAMLTag.int), ("a: !!bool true", YAMLTag.bool),
        ("a: !!float 1.5", YAMLTag.float), ("a: !!null ~", YAMLTag.null), ("a: !!map {}", YAMLTag.map),
        ("a: !!seq []", YAMLTag.seq), ("a: ! x", "!"),
        ("%TAG !e! tag:yaml.org,2002:\n---\na: !e!str x", YAMLTag.str)
    ])
    func coreTagsAreKept(text: String, tag: String) throws {
        #expect(try root(text)["a"]?.tag == tag)
    }

    @Test(arguments: [
        (
            "a: !!python/object:os.system x",
            "t.yaml:1:4: unknown tag tag:yaml.org,2002:python/object:os.system: only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
        ),
        (
            "a: !!python/object/apply:os.system [ls]",
            "t.yaml:1:4: unknown tag tag:yaml.org,2002:python/object/apply:os.system: only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
        ),
        (
            "a: !foo x",
            "t.yaml:1:4: unknown tag !foo: only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
        ),
        (
            "a:\n  - !<tag:example.com,2000:app/thing> {}",
            "t.yaml:2:5: unknown tag tag:example.com,2000:app/thing: only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
        ),
        (
            "a: !!binary aGVsbG8=",
            "t.yaml:1:4: unknown tag tag:yaml.org,2002:binary: only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
        ),
        (
            "a: !!set {x}",
            "t.yaml:1:4: unknown tag tag:yaml.org,2002:set: only YAML's core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are accepted"
        )
    ])
    func unknownTagsAreRefused(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test func errorsRenderAsFileLineColumnMessage() {
        let error = YAMLError(file: "specs/a.yaml", mark: Mark(line: 3, column: 7), message: "boom")
        #expect(error.description == "specs/a.yaml:3:7: boom")
    }
}
