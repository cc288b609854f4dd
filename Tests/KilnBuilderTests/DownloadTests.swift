import Foundation
import KilnSpec
import KilnTestSupport
import Testing

@testable import KilnBuilder

/// Downloads from a real local HTTP server: redirects re-checked, checksums verified before use, a cache by checksum.
@Suite struct DownloadTests {
    /// A served folder with a small rootfs archive; returns the server and the archive's sha256.
    private func serve(_ bed: TestBed) async throws -> (TestHTTPServer, String) {
        try bed.makeInputs()
        let folder = bed.inputs + "/www"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Archives.tar(folder + "/rootfs.tar.gz", [.file("etc/hostname", "downloaded\n")])
        let sum = Digest.sha256Hex(try Archives.bytes(folder + "/rootfs.tar.gz"))
        return (try await TestHTTPServer(folder: folder), sum)
    }

    private func urlSpec(_ url: String, sha256: String) -> ImageBuildSpec {
        Specs.unchecked(source: ["url": .string(url), "checksum": .string("sha256:" + sha256)])
    }

    @Test func downloadsThroughARelativeRedirectOnceThenUsesTheCache() async throws {
        let first = try TestBed("download")
        defer { first.remove() }
        let (server, sum) = try await serve(first)
        defer { server.stop() }
        let spec = urlSpec(server.url("/redirect-ok"), sha256: sum)
        let images = try await hostBuilder().build(first.request(spec)) { _ in }
        let raw = try #require(images.first { $0.format == "raw" })
        #expect(try Ext4Image.cat(raw.path, "/etc/hostname") == "downloaded\n")
        #expect(FileManager.default.fileExists(atPath: "\(first.cacheDirectory)/sha256/\(sum)"))

        // A second execution of the same source, sharing the cache, does not fetch again.
        var request = first.request(spec)
        request.buildNumber = 2
        request.outputName = "download-2"
        request.workDirectory = "\(first.dataDirectory)/work/download/2"
        request.artifactDirectory = "\(first.dataDirectory)/artifacts/download/2"
        _ = try await hostBuilder().build(request) { _ in }
        #expect(server.requests(for: "/rootfs.tar.gz") == 1)
        #expect(first.log.contains("found in the cache by sha256, not fetched again"))
    }

    @Test func wrongChecksumKeepsNothing() async throws {
        let bed = try TestBed("download-wrong")
        defer { bed.remove() }
        let (server, _) = try await serve(bed)
        defer { server.stop() }
        let wrong = String(repeating: "0", count: 64)
        let error = await buildFailure(bed.request(urlSpec(server.url("/rootfs.tar.gz"), sha256: wrong)))
        guard case .checksumMismatch? = error else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(bed.nothingLeftBehind)
        #expect(!FileManager.default.fileExists(atPath: "\(bed.cacheDirectory)/sha256/\(wrong)"))
        let cached = FileManager.default.enumerator(atPath: bed.cacheDirectory)?.allObjects as? [String] ?? []
        #expect(cached.isEmpty || cached == ["sha256"], "\(cached)")
    }

    @Test func metadataAddressIsRefused() async throws {
        let bed = try TestBed("metadata")
        defer { bed.remove() }
        let error = await buildFailure(
            bed.request(urlSpec("http://169.254.169.254/latest/meta-data/", sha256: String(repeating: "0", count: 64))))
        guard case .urlRefused(_, let reason)? = error else {
            Issue.record("expected a refused URL, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("link-local"))
        #expect(bed.nothingLeftBehind)
    }

    @Test(arguments: [("/redirect-metadata", "link-local"), ("/redirect-file", "scheme")])
    func redirectsAreCheckedAgain(path: String, reason: String) async throws {
        let bed = try TestBed("redirect")
        defer { bed.remove() }
        let (server, sum) = try await serve(bed)
        defer { server.stop() }
        let error = await buildFailure(bed.request(urlSpec(server.url(path), sha256: sum)))
        guard case .urlRefused(_, let why)? = error else {
            Issue.record("expected a refused redirect, got \(String(describing: error))")
            return
        }
        #expect(why.contains(reason), "\(why)")
        #expect(why.contains("redirected from \(server.url(path))"))
        #expect(bed.nothingLeftBehind)
    }

    @Test func redirectLoopsStop() async throws {
        let bed = try TestBed("loop")
        defer { bed.remove() }
        let (server, sum) = try await serve(bed)
        defer { server.stop() }
        let error = await buildFailure(bed.request(urlSpec(server.url("/loop"), sha256: sum)))
        #expect(error == .tooManyRedirects(url: server.url("/loop"), limit: 5))
        #expect(bed.nothingLeftBehind)
    }

    @Test func downloadSizeIsCapped() async throws {
        let bed = try TestBed("download-big")
        defer { bed.remove() }
        let (server, sum) = try await serve(bed)
        defer { server.stop() }
        var limits = BuildLimits()
        limits.maxDownloadBytes = 64
        let error = await buildFailure(bed.request(urlSpec(server.url("/rootfs.tar.gz"), sha256: sum), limits: limits))
        #expect(error == .downloadTooLarge(url: server.url("/rootfs.tar.gz"), limit: 64))
        #expect(bed.nothingLeftBehind)
    }

    @Test func missingFileIsAnHTTPError() async throws {
        let bed = try TestBed("download-404")
        defer { bed.remove() }
        let (server, sum) = try await serve(bed)
        defer { server.stop() }
        let error = await buildFailure(bed.request(urlSpec(server.url("/absent.tar"), sha256: sum)))
        guard case .downloadFailed(_, let reason)? = error else {
            Issue.record("expected a failed download, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("HTTP 404"))
        #expect(bed.nothingLeftBehind)
    }
}
