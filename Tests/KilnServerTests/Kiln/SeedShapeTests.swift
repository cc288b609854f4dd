import Foundation
import HummingbirdTesting
import KilnQuery
import Testing

@testable import KilnServer

/// Kiln's answers against the seed documents' own examples (`Tests/Fixtures/seeds/`), key by key and type by type:
/// what an existing client parses from the real service, it finds here, as the same JSON type. A null in the seed
/// allows any type (the field is optional there); `config` is free-form. Kiln's few additions are listed, so that
/// nothing else creeps in.
@Suite struct SeedShapeTests {
    static func seed(_ name: String) throws -> JSONValue {
        try JSONReader.parse(try String(contentsOfFile: "Tests/Fixtures/seeds/\(name).json", encoding: .utf8))
    }

    static func answer(_ server: TestServer, _ uri: String) async throws -> JSONValue {
        try JSONReader.parse(try await server.withClient { try await $0.execute(uri: uri, method: .get) }.text)
    }

    /// Differences between a seed value and Kiln's, as `path: problem` lines.
    static func differences(seed: JSONValue, ours: JSONValue, path: String = "", extras: Set<String> = []) -> [String] {
        switch (seed, ours) {
        case (.null, _):
            return []
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double), (.bool, .bool), (.string, .string):
            return []
        case (.array(let a), .array(let b)):
            guard let first = a.first, let mine = b.first else { return [] }
            return differences(seed: first, ours: mine, path: path + "[0]", extras: extras)
        case (.object(let a), .object(let b)):
            var out: [String] = []
            let mine = Dictionary(b.map { ($0.key, $0.value) }, uniquingKeysWith: { x, _ in x })
            for (key, value) in a {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard let ours = mine[key] else {
                    out.append("\(child): missing")
                    continue
                }
                if key == "config" || key == "extensions" { continue }
                out += differences(seed: value, ours: ours, path: child, extras: extras)
            }
            let seedKeys = Set(a.map(\.key))
            for key in mine.keys
            where !seedKeys.contains(key) && !extras.contains(path.isEmpty ? key : "\(path).\(key)") {
                out.append("\(path.isEmpty ? key : "\(path).\(key)"): not in the seed")
            }
            return out
        default:
            return ["\(path): the seed has \(seed.typeName), Kiln answers \(ours.typeName)"]
        }
    }

    /// A build with every optional field the seed shows set (without them, those fields are null).
    static func server() async throws -> TestServer {
        let server = try await TestServer.make()
        let base = try #require(try await server.fixture.catalog.state().builds["busybox"])
        var spec = base.spec.object ?? [:]
        spec["group"] = .string("my-group")
        spec["cloud"] = .string("my-vmware")
        spec["bootScript"] = .string("scripts/boot.sh")
        spec["preseedScript"] = .string("scripts/preseed.cfg")
        spec["buildOutputName"] = .string("mytestbuild")
        var full = base
        full.spec = .object(spec)
        _ = try await server.fixture.catalog.saveBuild(full)
        return server
    }

    @Test func morpheusList() async throws {
        let server = try await Self.server()
        let extras: Set<String> = ["imageBuilds[0].dateCreated", "imageBuilds[0].lastUpdated"]
        let diff = Self.differences(
            seed: try Self.seed("morpheus-list"), ours: try await Self.answer(server, "/api/image-builds"),
            extras: extras)
        #expect(diff.isEmpty, "\(diff)")
    }

    @Test func morpheusDetail() async throws {
        let server = try await Self.server()
        let extras: Set<String> = ["imageBuild.dateCreated", "imageBuild.lastUpdated"]
        let diff = Self.differences(
            seed: try Self.seed("morpheus-detail"), ours: try await Self.answer(server, "/api/image-builds/busybox"),
            extras: extras)
        #expect(diff.isEmpty, "\(diff)")
    }

    @Test func morpheusExecutions() async throws {
        let server = try await TestServer.make()
        let diff = Self.differences(
            seed: try Self.seed("morpheus-executions"),
            ours: try await Self.answer(server, "/api/image-builds/busybox/list-executions"))
        #expect(diff.isEmpty, "\(diff)")
    }

    @Test func mwsImageAndList() async throws {
        let server = try await TestServer.make()
        let single = Self.differences(
            seed: try Self.seed("mws-image"), ours: try await Self.answer(server, "/rest/images/busybox?api-version=3"))
        #expect(single.isEmpty, "\(single)")
        let list = Self.differences(
            seed: try Self.seed("mws-list"),
            ours: try await Self.answer(server, "/rest/images?api-version=3&fields=id,name"))
        #expect(list.isEmpty, "\(list)")
    }

    @Test func vmBuilderVM() async throws {
        let server = try await TestServer.make()
        // `network_type` is in the seed's create body, and the issue asks the answer to show it.
        let diff = Self.differences(
            seed: try Self.seed("vm-builder-vm"), ours: try await Self.answer(server, "/vms/hello-1"),
            extras: ["name", "network_type"])
        #expect(diff.isEmpty, "\(diff)")
    }

    /// A control: a wrong type or a missing key is reported, so an empty report means something.
    @Test func theComparisonCatchesDifferences() throws {
        let seed = try JSONReader.parse(#"{"id": 1, "status": "x", "meta": {"max": 25}, "list": [{"id": 2}]}"#)
        let ours = try JSONReader.parse(#"{"id": "1", "meta": {"max": 25, "extra": 1}, "list": [{"id": true}]}"#)
        #expect(
            Set(Self.differences(seed: seed, ours: ours)) == [
                "id: the seed has a number, Kiln answers a string", "status: missing", "meta.extra: not in the seed",
                "list[0].id: the seed has a number, Kiln answers a boolean"
            ])
    }
}
