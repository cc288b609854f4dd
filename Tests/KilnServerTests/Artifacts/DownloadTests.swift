import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KilnCatalog
import KilnServer
import Testing

/// Downloads: streamed from disk with `Content-Length`, `Range`/206, `ETag` = sha256 and `Digest`, found only through
/// the catalog.
@Suite struct DownloadTests {
    /// A server whose image and execution artifacts are real files in the fixture's folder.
    static func server() async throws -> (TestServer, [UInt8]) {
        let server = try await TestServer.make()
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = server.fixture.folder.appendingPathComponent("busybox-1.qcow2").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let sha256 = SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        var image = try #require(try await server.fixture.catalog.state().images["busybox"])
        image.path = path
        image.sha256 = sha256
        _ = try await server.fixture.catalog.saveImage(image)
        return (server, bytes)
    }

    @Test func theWholeFileWithItsChecksum() async throws {
        let (server, bytes) = try await Self.server()
        let response = try await server.withClient {
            try await $0.execute(uri: "/kiln/v1/images/busybox/download", method: .get)
        }
        #expect(response.status == .ok)
        #expect(Array(response.body.readableBytesView) == bytes)
        #expect(response.headers[.contentLength] == String(bytes.count))
        let sha256 = SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(response.headers[.eTag] == "\"\(sha256)\"")
        #expect(
            response.headers[HTTPField.Name("Digest")!]
                == "sha-256=\(Data(SHA256.hash(data: bytes)).base64EncodedString())")
        #expect(response.headers[.acceptRanges] == "bytes")
        #expect(response.headers[.contentDisposition] == "attachment; filename=\"busybox-1.qcow2\"")
    }

    @Test func rangesAndConditionals() async throws {
        let (server, bytes) = try await Self.server()
        try await server.withClient { client in
            let part = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get, headers: [.range: "bytes=100-199"])
            #expect(part.status == .partialContent)
            #expect(Array(part.body.readableBytesView) == Array(bytes[100...199]))
            #expect(part.headers[.contentRange] == "bytes 100-199/\(bytes.count)")
            #expect(part.headers[.contentLength] == "100")
            let tail = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get, headers: [.range: "bytes=-10"])
            #expect(Array(tail.body.readableBytesView) == Array(bytes.suffix(10)))
            let past = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get, headers: [.range: "bytes=999999-"])
            #expect(past.status == .rangeNotSatisfiable)
            #expect(past.headers[.contentRange] == "bytes */\(bytes.count)")
            let etag = try #require(part.headers[.eTag])
            let same = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get, headers: [.ifNoneMatch: etag])
            #expect(same.status == .notModified)
            #expect(same.body.readableBytes == 0)
            // If-Range with another version asks for the whole file.
            let stale = try await client.execute(
                uri: "/kiln/v1/images/busybox/download", method: .get,
                headers: [.range: "bytes=0-9", .ifRange: "\"old\""])
            #expect(stale.status == .ok)
            #expect(stale.body.readableBytes == bytes.count)
            let head = try await client.execute(uri: "/kiln/v1/images/busybox/download", method: .head)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == String(bytes.count))
        }
    }

    @Test func executionArtifactsByFileName() async throws {
        let server = try await TestServer.make()
        let state = try await server.fixture.catalog.state()
        let execution = try #require(state.executions["busybox"]?.first)
        let image = try #require(state.virtualImages[execution.id!]?.first { $0.format == "qcow2" })
        // The fixture's artifact paths are not real files: the catalog knows it, the disk does not.
        let gone = try await server.withClient {
            try await $0.execute(
                uri: "/kiln/v1/image-builds/busybox/executions/1/artifacts/busybox-1.qcow2", method: .get)
        }
        #expect(gone.status == .notFound)
        #expect(try gone.json()["code"] as? String == "artifact-missing")
        #expect(!gone.text.contains(image.path), "a host path reached the client")
        for (uri, code) in [
            ("/kiln/v1/image-builds/busybox/executions/1/artifacts/etc-passwd", "artifact-not-found"),
            ("/kiln/v1/image-builds/busybox/executions/1/artifacts/..%2F..%2Fetc%2Fpasswd", "artifact-not-found"),
            ("/kiln/v1/image-builds/busybox/executions/9/artifacts/busybox-1.qcow2", "execution-not-found"),
            ("/kiln/v1/image-builds/nope/executions/1/artifacts/busybox-1.qcow2", "image-build-not-found"),
            ("/kiln/v1/images/nope/download", "image-not-found")
        ] {
            let response = try await server.withClient { try await $0.execute(uri: uri, method: .get) }
            #expect(response.status == .notFound, "\(uri)")
            #expect(try response.json()["code"] as? String == code, "\(uri)")
        }
    }

    @Test func anArtifactOnDiskIsServed() async throws {
        let server = try await TestServer.make()
        let catalog = server.fixture.catalog
        let template = try #require(try await catalog.state().executions["busybox"]?.first)
        var execution = template
        execution.id = nil
        execution.status = .pending
        execution = try await catalog.newExecution(execution)
        execution.status = .success
        let bytes = Array("vmdk bytes".utf8)
        let path = server.fixture.folder.appendingPathComponent("busybox-4.vmdk").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let sha256 = SHA256.hash(data: bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        try await catalog.finishExecution(
            execution,
            images: [
                VirtualImageRecord(
                    executionId: execution.id!, buildName: "busybox", buildNumber: execution.buildNumber,
                    name: "busybox-4",
                    format: "vmdk", path: path, size: Int64(bytes.count), sha256: sha256, createdAt: CatalogFixture.at)
            ])
        let uri = "/kiln/v1/image-builds/busybox/executions/\(execution.buildNumber)/artifacts/busybox-4.vmdk"
        let response = try await server.withClient { try await $0.execute(uri: uri, method: .get) }
        #expect(response.status == .ok)
        #expect(Array(response.body.readableBytesView) == bytes)
        #expect(response.headers[.eTag] == "\"\(sha256)\"")
    }
}

/// A Debian build's resolved package list, kept in the catalog with its execution, served as `packages.txt` and
/// listed in lineage.
@Suite struct PackageListTests {
    @Test func servedAsAnArtifactAndShownInLineage() async throws {
        let server = try await TestServer.make()
        var execution = try #require(try await server.fixture.catalog.state().executions["busybox"]?.first)
        execution.packages = "base-files 12.4+deb12u5 amd64\nlinux-image-amd64 6.1.115-1 amd64\n"
        try await server.fixture.catalog.saveExecution(execution)
        try await server.refresh()
        let uri = "/kiln/v1/image-builds/busybox/executions/1/artifacts/packages.txt"
        let response = try await server.withClient { try await $0.execute(uri: uri, method: .get) }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
        #expect(response.text == execution.packages)
        let lineage = try await server.withClient {
            try await $0.execute(uri: "/kiln/v1/lineage/imagebuild/busybox", method: .get)
        }
        let executions = try #require(try lineage.json()["executions"] as? [[String: Any]])
        let first = try #require(executions.first { $0["buildNumber"] as? Int == 1 })
        let artifacts = try #require(first["artifacts"] as? [[String: Any]])
        let list = try #require(artifacts.first { $0["file"] as? String == "packages.txt" })
        #expect(list["packages"] as? Int == 2)
        #expect(list["href"] as? String == uri)
        // An execution without one says which artifacts it has.
        let missing = try await server.withClient {
            try await $0.execute(uri: "/kiln/v1/image-builds/busybox/executions/2/artifacts/packages.txt", method: .get)
        }
        #expect(missing.status == .notFound)
    }
}
