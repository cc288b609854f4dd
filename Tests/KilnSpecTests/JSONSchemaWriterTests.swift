import Foundation
import KilnSpec
import KilnTestSupport
import Testing

/// The JSON Schemas in `specs/` are the writer's output, and say what Kiln's validator says wherever JSON Schema
/// can (the agreement with a real validator is in ``SchemaAgreementTests``).
@Suite struct JSONSchemaWriterTests {
    /// What `kiln schema KIND` prints, byte for byte.
    static func generated(_ kind: Kind) -> String { JSONSchemaWriter.document(kind).prettyJSON + "\n" }

    @Test(arguments: Kind.allCases)
    func theCommittedSchemaIsTheGeneratorsOutput(kind: Kind) async throws {
        let file = "specs/\(kind.slug).schema.json"
        let committed = try String(contentsOfFile: Repo.path(file), encoding: .utf8)
        #expect(
            committed == Self.generated(kind),
            """
            \(file) is stale; regenerate it (see specs/README.md):
              swift build --product kiln && .build/debug/kiln schema \(kind.slug) > \(file)
            """)
    }

    @Test(arguments: Kind.allCases)
    func kilnSchemaPrintsTheSameAsTheWriter(kind: Kind) async throws {
        let out = try await ExternalTool.run(try ExternalTool.kiln(), ["schema", kind.slug])
        #expect(out.status == 0)
        #expect(out.stdout == Self.generated(kind))
    }

    @Test(arguments: Kind.allCases)
    func eachSchemaIsADraft2020DocumentOfItsKind(kind: Kind) async throws {
        let schema = JSONSchemaWriter.document(kind)
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        #expect(schema["$id"] == .string("https://kiln.dev/schemas/v1/\(kind.slug).schema.json"))
        #expect(schema["properties"]?["kind"]?["const"] == .string(kind.rawValue))
        #expect(schema["required"] == .list(["apiVersion", "kind", "metadata", "spec"].map(SpecValue.string)))
        #expect(schema["additionalProperties"] == .bool(false))
        // Every field of the kind's spec is described, with its documentation.
        let spec: ObjectSchema =
            switch kind {
            case .imageBuild: KindSchemas.imageBuild
            case .image: KindSchemas.image
            case .virtualMachine: KindSchemas.virtualMachine
            }
        let properties = try #require(schema["properties"]?["spec"]?["properties"]?.object)
        #expect(Set(properties.keys) == Set(spec.fields.map(\.name)))
        for field in spec.fields {
            #expect(properties[field.name]?["description"] == .string(field.doc))
            #expect(properties[field.name]?["default"] == field.defaultValue)
        }
    }

    // MARK: patterns say what the validator says

    /// The regular expression a schema uses for a field, as Swift's `Regex` (its syntax matches ECMA-262 for these).
    static func pattern(_ kind: Kind, _ path: [String]) async throws -> Regex<AnyRegexOutput> {
        var node = JSONSchemaWriter.document(kind)
        for key in path { node = try #require(node[key], "no \(key) in \(path)") }
        let text = try #require(node["pattern"]?.string ?? node["anyOf"]?.list?.first?["pattern"]?.string)
        return try Regex(text)
    }

    static func matches(_ regex: Regex<AnyRegexOutput>, _ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }

    /// Every size around the bounds, in every unit: the size pattern accepts exactly what the validator accepts.
    @Test func sizePatternsHoldTheValidatorsBounds() async throws {
        let memory = try await Self.pattern(.virtualMachine, ["properties", "spec", "properties", "memory"])
        let disk = try await Self.pattern(
            .imageBuild, ["properties", "spec", "properties", "disk", "properties", "size"])
        var samples: [String] = [
            "1gb", "1.5gib", "gib", "", "99999999999999999999kib", "18446744073709551616kib", "0mib"
        ]
        for (unit, factor) in [("kib", UInt64(1) << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40)] {
            for bound in [UInt64(8) << 20, 16 << 20, 1 << 40, 2 << 40] {
                let n = bound / factor
                for candidate in [n > 0 ? n - 1 : 0, n, n + 1, n * 10, n / 10] {
                    samples += ["\(candidate)\(unit)", "00\(candidate)\(unit.uppercased())"]
                }
            }
            samples += ["1\(unit)", "9\(unit)", "100\(unit)", "65535\(unit)", "1048577\(unit)", "2147483647\(unit)"]
        }
        for text in samples {
            let valid = errors(Doc.vm("image: web\nmemory: '\(text)'")).isEmpty
            #expect(Self.matches(memory, text) == valid, "memory \(text): Kiln says \(valid ? "valid" : "invalid")")
            let validDisk = errors(Doc.build("type: qemu\nsource: {scratch: true}\ndisk: {size: '\(text)'}")).isEmpty
            #expect(Self.matches(disk, text) == validDisk, "disk \(text): Kiln says \(validDisk ? "valid" : "invalid")")
        }
    }

    @Test(arguments: [
        "scripts/a.sh", "./scripts/a.sh", "a", "...", ".gitignore", "a/./b", "../a", "a/..", "/etc", "a\\b",
        "a//b", "a/", "", ".", "./.", "./", ".git", "x/.git/y", "..x", "x..", "a b/c"
    ])
    func thePathPatternAgreesWithRepoPath(path: String) async throws {
        let regex = try await Self.pattern(.imageBuild, ["properties", "spec", "properties", "bootScript"])
        let valid = RepoPath.normalize(path).failureMessage == nil
        #expect(Self.matches(regex, path) == valid, "Kiln says \(valid ? "valid" : "invalid")")
    }

    @Test(arguments: ["30s", "1h30m", "500ms", "999999999s", "1234567890s", "10", "10 s", "1d", "", "1h1h"])
    func theDurationPatternAgreesWithSpecDuration(text: String) async throws {
        let regex = try await Self.pattern(.virtualMachine, ["properties", "spec", "properties", "toolsInitTimeout"])
        let valid = SpecDuration.parse(text).failureMessage == nil
        #expect(Self.matches(regex, text) == valid, "Kiln says \(valid ? "valid" : "invalid")")
    }
}

extension JSONSchemaWriterTests {
    /// URLs whose shape Kiln accepts or refuses; which hosts may be contacted is the address policy, Kiln's alone.
    @Test(arguments: [
        ("https://example.com/images/disk.qcow2", true), ("http://10.0.0.1:8080/rootfs.tar.gz", true),
        ("HTTPS://Example.COM/x", true), ("http://[2001:db8::1]/x", true), ("https://example.com/a b", true),
        ("https://example.com?x=1", true), ("http://host#frag", true), ("http://例子.com/", true),
        ("file:///etc/passwd", false), ("ftp://example.com/x", false), ("example.com/x", false), ("http:///x", false),
        ("https://user:pw@example.com/", false), ("https://user@example.com/", false), ("http://exa mple.com/", false),
        ("http://example.com:http/", false), ("http://ho\\st/", false), ("http://[::1]x/", false),
        ("http://[::1/", false),
        ("https://", false), ("http:/example.com", false)
    ])
    func theURLPatternAgreesWithSafeURLOnShapes(url: String, valid: Bool) async throws {
        let regex = try await Self.pattern(.virtualMachine, ["properties", "spec", "properties", "callbackUrl"])
        #expect((SafeURL.check(url).failureMessage == nil) == valid, "SafeURL")
        #expect(Self.matches(regex, url) == valid, "pattern")
    }
}
