import Crypto
import Foundation
import KilnCatalog
import KilnSpec
import Testing

@testable import KilnServer

/// The dashboard's HTML, rendered from a page model without HTTP.
@Suite struct DashboardRenderTests {
    @Test func everyTemplateParses() throws {
        _ = try DashboardRenderer()
        #expect(
            Set(DashboardTemplates.all.keys) == [
                "layout", "dashboard", "lineage", "notFound", "execution", "time", "node"
            ])
    }

    @Test func thePageShowsTheRefusedCommitProblemsBuildsImagesAndVMs() async throws {
        let fixture = try await DashboardFixture.catalog()
        let html = DashboardRenderer.shared.dashboard(
            DashboardPage(snapshot: try await DashboardFixture.snapshot(fixture.catalog)))
        let expected = [
            "<!doctype html>", "<title>Kiln · commit refused</title>",
            // The refused commit comes first, with each error's place.
            #"<section class="banner" id="refused" role="alert">"#, "<code>builds/busybox.yaml:12:7</code>",
            #"<span class="field">spec.keepResults</span> <span>must be 0 or more</span>"#, "Charles Babbage",
            // Then what needs attention.
            #"<li data-object="ImageBuild/alpine"><span class="badge bad">BuildFailed</span>"#,
            #"<li data-object="VirtualMachine/hello-2">"#,
            // A running execution with its progress bar and ETA; a failed one with its error.
            #"<tr class="run" data-execution="busybox#3" data-status="running">"#, #"style="width: 40%""#,
            #"<span class="eta">ETA 57 s</span>"#, #"<span class="step">provision: install</span>"#,
            #"<tr class="run" data-execution="alpine#1" data-status="failed">"#,
            #"<span class="error">script install exited with status 2: apk: not found</span>"#,
            // Artifacts, the image's formats and download, the VM's address and guest.
            #"href="/kiln/v1/image-builds/busybox/executions/1/artifacts/busybox-1.vmdk""#,
            #"<a class="button" href="/kiln/v1/images/busybox/download" download>Download</a>"#,
            #"<tr id="vm-hello-1" data-object="VirtualMachine/hello-1">"#, "<code>10.0.2.15</code>",
            #"<td data-label="Guest OS" data-os>linux</td>"#,
            #"<a href="/ui/lineage/virtualmachine/hello-1">hello-1</a>"#,
            #"<time datetime="2026-01-01T00:00:00Z""#
        ]
        for fragment in expected { #expect(html.contains(fragment), "missing \(fragment)") }
        let order = [
            "id=\"refused\"", "id=\"sync\"", "id=\"attention\"", "id=\"builds\"", "id=\"images\"", "id=\"vms\""
        ]
        let positions = order.map { html.range(of: $0)?.lowerBound }
        #expect(!positions.contains(nil))
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    @Test func textFromGitIsEscaped() async throws {
        let fixture = try await DashboardFixture.catalog()
        var sync = try await fixture.catalog.sync()
        sync.refusedMessage = "<script>alert('x')</script>"
        sync.refusedErrors = [SpecError(file: "a\"b.yaml", line: 1, column: 1, message: "<img src=x onerror=alert(1)>")]
        try await fixture.catalog.saveSync(sync)
        let html = DashboardRenderer.shared.dashboard(
            DashboardPage(snapshot: try await DashboardFixture.snapshot(fixture.catalog)))
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("<code>a&quot;b.yaml:1:1</code>"))
        #expect(html.components(separatedBy: "<script>").count == 2, "the page's own script only")
    }

    @Test func equalStateGivesEqualBytes() async throws {
        let fixture = try await DashboardFixture.catalog()
        let a = DashboardRenderer.shared.dashboard(
            DashboardPage(snapshot: try await DashboardFixture.snapshot(fixture.catalog)))
        let b = DashboardRenderer.shared.dashboard(
            DashboardPage(snapshot: try await DashboardFixture.snapshot(fixture.catalog)))
        #expect(a == b)
    }

    @Test func anEmptyCatalogRendersAnEmptyPage() {
        let html = DashboardRenderer.shared.dashboard(DashboardPage(snapshot: .empty))
        #expect(html.contains("The catalog is empty"))
        #expect(
            html.contains("No image builds.") && html.contains("No images.") && html.contains("No virtual machines."))
        #expect(!html.contains("id=\"refused\"") && !html.contains("id=\"attention\""))
        #expect(html.contains("<title>Kiln</title>"))
    }

    @Test func theLineagePageDrawsTheChainAndMarksTheObject() async throws {
        let fixture = try await DashboardFixture.catalog()
        let page = try #require(
            LineagePage(.image, "busybox", snapshot: try await DashboardFixture.snapshot(fixture.catalog)))
        let html = DashboardRenderer.shared.lineage(page)
        #expect(html.contains(#"<li class="node spec">"#))
        #expect(html.contains(#"<li class="node execution" data-execution="busybox#1">"#))
        #expect(html.contains(#"<li class="node image current">"#))
        #expect(html.contains(#"<a href="/ui/lineage/virtualmachine/hello-1">hello-1</a>"#))
        #expect(html.contains(#"<a href="/kiln/v1/lineage/image/busybox">lineage as JSON</a>"#))
        let upstream = try #require(html.range(of: "node spec"))
        let image = try #require(html.range(of: "node image current"))
        let vm = try #require(html.range(of: "node vm"))
        #expect(upstream.lowerBound < image.lowerBound && image.lowerBound < vm.lowerBound)
    }

    @Test func thePolicyAllowsThePageScriptByItsHashOnly() {
        let digest = Data(SHA256.hash(data: Array(DashboardScript.source.utf8))).base64EncodedString()
        let policy = DashboardRenderer.contentSecurityPolicy
        #expect(policy.contains("script-src 'sha256-\(digest)';"))
        #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"))
        // The layout must embed the script byte for byte, or the hash would not match it.
        #expect(
            DashboardRenderer.shared.dashboard(DashboardPage(snapshot: .empty)).contains(
                "<script>\(DashboardScript.source)</script>"))
    }
}
