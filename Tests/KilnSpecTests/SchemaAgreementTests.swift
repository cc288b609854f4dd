import Foundation
import KilnSpec
import KilnTestSupport
import KilnYAML
import Testing

/// `specs/*.schema.json` checked by a real third-party validator (`check-jsonschema`, from PyPI) against the
/// examples and against a corpus of good and bad documents, with Kiln's verdict beside it: both must agree.
///
/// The corpus is `Tests/Fixtures/specs/{good,bad,kiln-only}/<kind>/*.yaml`, one document per file, each bad file
/// with one problem named in its first line. `kiln-only/` holds what JSON Schema cannot express, which Kiln refuses
/// and the schema accepts (specs/README.md lists them with the cross-document checks).
///
/// check-jsonschema reads one document per file (a multi-document file is a parse error), with ruamel.yaml's YAML
/// 1.2 loader: `yes`/`on` stay strings, but `0x10`, `0o17`, `1_000` and `2.0` become numbers before the schema sees
/// them, and a `%YAML 1.1` directive switches it to YAML 1.1 booleans.
@Suite struct SchemaAgreementTests {
    enum Verdict: String {
        case good, bad
        case kilnOnly = "kiln-only"
    }

    static let corpus = "Tests/Fixtures/specs"

    static func corpusFiles(_ verdict: Verdict, _ kind: Kind) -> [String] {
        Repo.files(under: "\(corpus)/\(verdict.rawValue)/\(kind.slug)").filter { $0.hasSuffix(".yaml") }
            .map { "\(corpus)/\(verdict.rawValue)/\(kind.slug)/\($0)" }
    }

    static func schemaFile(_ kind: Kind) -> String { Repo.path("specs/\(kind.slug).schema.json") }

    /// The files (absolute paths) check-jsonschema finds invalid or cannot read, with its messages.
    static func schemaFailures(_ paths: [String], kind: Kind) async throws -> [String: String] {
        guard !paths.isEmpty else { return [:] }
        let out = try await ExternalTool.run(
            try ExternalTool.checkJSONSchema(),
            ["--schemafile", schemaFile(kind), "--output-format", "json"] + paths)
        guard let report = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] else {
            throw ExternalTool.Missing(description: "check-jsonschema gave no JSON report: \(out.stdout) \(out.stderr)")
        }
        var failures: [String: String] = [:]
        for key in ["errors", "parse_errors"] {
            for entry in report[key] as? [[String: Any]] ?? [] {
                guard let file = entry["filename"] as? String else { continue }
                let path = entry["path"] as? String ?? ""
                failures[file, default: ""] += "\(path) \(entry["message"] as? String ?? "")\n"
            }
        }
        #expect((out.status == 0) == failures.isEmpty, "check-jsonschema exited \(out.status): \(out.stderr)")
        return failures
    }

    static func kilnErrors(_ file: String) async throws -> [SpecError] {
        let data = try #require(FileManager.default.contents(atPath: Repo.path(file)))
        return DocumentParser.parse(path: file, bytes: [UInt8](data)).errors
    }

    @Test(arguments: Kind.allCases)
    func theSchemaAndKilnAgreeOnTheCorpus(kind: Kind) async throws {
        let groups = [Verdict.good, .bad, .kilnOnly].map { ($0, Self.corpusFiles($0, kind)) }
        #expect(groups.allSatisfy { !$0.1.isEmpty }, "every kind has good, bad and kiln-only cases")
        let failures = try await Self.schemaFailures(groups.flatMap(\.1).map(Repo.path), kind: kind)
        for (verdict, files) in groups {
            for file in files {
                let schemaSays = failures[Repo.path(file)]
                let kiln = try await Self.kilnErrors(file).map(\.description)
                switch verdict {
                case .good:
                    #expect(kiln.isEmpty && schemaSays == nil, "\(file): Kiln \(kiln), schema \(schemaSays ?? "valid")")
                case .bad:
                    #expect(
                        !kiln.isEmpty && schemaSays != nil, "\(file): Kiln \(kiln), schema \(schemaSays ?? "valid")")
                case .kilnOnly:
                    #expect(!kiln.isEmpty, "\(file): Kiln accepts it: it is not a Kiln-only refusal")
                    #expect(
                        schemaSays == nil, "\(file): the schema refuses it now (\(schemaSays ?? "")): move it to bad/")
                }
            }
        }
    }

    /// Each bad case has one problem, said in its first line, so that agreeing on it means something.
    @Test(arguments: Kind.allCases)
    func everyBadCaseHasOneProblemSaidInItsFirstLine(kind: Kind) async throws {
        for verdict in [Verdict.bad, .kilnOnly] {
            for file in Self.corpusFiles(verdict, kind) {
                let text = try String(contentsOfFile: Repo.path(file), encoding: .utf8)
                #expect(text.hasPrefix("# \(verdict.rawValue): "), "\(file) starts by saying what is wrong with it")
                let errors = try await Self.kilnErrors(file)
                #expect(errors.count == 1, "\(file): \(errors.map(\.description))")
            }
        }
    }

    /// Every example document, split out of its file (check-jsonschema reads one document per file), is valid
    /// against its kind's schema.
    @Test func everyExampleDocumentMatchesItsKindsSchema() async throws {
        let folder = try TempFolder()
        var byKind: [Kind: [String]] = [:]
        var objects = 0
        for file in Repo.yamlFiles(under: "examples") {
            let bytes = [UInt8](try #require(FileManager.default.contents(atPath: Repo.path(file))))
            objects += DocumentParser.parse(path: file, bytes: bytes).objects.count
            for (index, document) in try await Self.documents(of: bytes, file: file).enumerated() {
                let name = file.replacingOccurrences(of: "/", with: "_") + "-\(index).yaml"
                byKind[document.kind, default: []].append(try folder.write(name, document.text))
            }
        }
        #expect(objects > 0)
        #expect(byKind.values.map(\.count).reduce(0, +) == objects, "every document was split out")
        for (kind, paths) in byKind {
            #expect(try await Self.schemaFailures(paths, kind: kind) == [:])
        }
    }

    /// The documents of a YAML stream, each as its own text, with its kind.
    static func documents(of bytes: [UInt8], file: String) async throws -> [(kind: Kind, text: String)] {
        let loaded = YAMLLoader.load(bytes, file: file)
        #expect(loaded.errors.isEmpty)
        let starts = loaded.documents.map(\.mark.offset) + [bytes.count]
        var out: [(Kind, String)] = []
        for (i, document) in loaded.documents.enumerated() {
            guard let root = document.root, !root.isNull else { continue }
            let kindName = try #require(root.pairs?.first { $0.key.scalar == "kind" }?.value.scalar)
            let kind = try #require(Kind(rawValue: kindName))
            out.append((kind, String(decoding: bytes[starts[i]..<starts[i + 1]], as: UTF8.self)))
        }
        return out
    }
}
