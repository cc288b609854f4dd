import Foundation
import Hummingbird
import HummingbirdTesting
import KilnTestSupport
import Testing

@testable import KilnServer

extension Tag {
    /// Drives Debian's headless Chromium.
    @Tag static var browser: Self
}

/// The dashboard in a real browser: a live server on a loopback port over the populated catalog (a running build, a
/// failed build, a refused commit, VMs), its DOM after the script ran, and screenshots at a desktop and a phone width
/// in both colour schemes. `KILN_SCREENSHOTS=<folder>` keeps the PNGs (that is how `docs/dashboard.png` is made).
@Suite(.serialized, .tags(.browser)) struct DashboardBrowserTests {
    @Test func chromiumShowsThePopulatedDashboardAtDesktopAndPhoneWidths() async throws {
        let server = try await DashboardRouteTests.server()
        let folder = try TempFolder()
        let scratch = folder.path
        let chromium = try Chromium(profile: scratch + "/profile")
        let keep = ProcessInfo.processInfo.environment["KILN_SCREENSHOTS"]
        let app = Application(
            router: server.queryServer.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let dom = try await chromium.dom(base + "/")
            for fragment in [
                #"<section class="banner" id="refused" role="alert">"#, "<code>builds/busybox.yaml:12:7</code>",
                #"data-execution="busybox#3" data-status="running""#, #"<div class="bar" style="width: 40%"></div>"#,
                #"data-execution="alpine#1" data-status="failed""#, #"<span class="badge bad">BuildFailed</span>"#,
                #"data-object="VirtualMachine/hello-1""#, "<code>10.0.2.15</code>"
            ] {
                #expect(dom.contains(fragment), "the DOM lacks \(fragment)")
            }
            // The script ran: the live indicator is shown and times are relative ("… ago").
            // (Whether the event stream is open yet is up to the browser: only that the script revealed it counts.)
            let live = try #require(dom.range(of: #"<span id="live""#))
            let tag = dom[live.lowerBound...].prefix { $0 != ">" }
            #expect(!tag.contains("hidden"), "\(tag)")
            #expect(!dom.contains(">2026-01-01 00:00 UTC</time>"))

            let lineage = try await chromium.dom(base + "/ui/lineage/image/busybox")
            #expect(lineage.contains(#"<li class="node image current">"#))

            for (name, width, height, dark, path) in [
                ("desktop", 1280, 1700, false, "/"), ("phone", 390, 3000, false, "/"),
                ("desktop-dark", 1280, 1700, true, "/"), ("phone-dark", 390, 3000, true, "/"),
                ("lineage", 1280, 1100, false, "/ui/lineage/image/busybox")
            ] {
                let png = "\(keep ?? scratch)/dashboard-\(name).png"
                try await chromium.screenshot(base + path, to: png, width: width, height: height, dark: dark)
                let size = try Chromium.pngSize(png)
                #expect(size.width == width && size.height == height, "\(name): \(size)")
            }
        }
        withExtendedLifetime(folder) {}
    }
}
